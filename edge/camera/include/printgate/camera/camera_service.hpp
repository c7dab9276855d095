#pragma once
// Every configured camera of the edge: its source, its frame hub, and the demand rule (the
// source runs only while a viewer, a snapshot, stream_on or a timelapse wants frames).
// Serves the command protocol's camera_control actions (get_providers, snapshot, stream_on,
// stream_off) as plain calls; the HTTP side is in camera_http.hpp.
//
// Threading: construct and call on the executor given (one io_context thread).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <printgate/camera/camera_config.hpp>
#include <printgate/camera/frame.hpp>
#include <printgate/camera/frame_hub.hpp>
#include <printgate/camera/frame_source.hpp>
#include <printgate/camera/timelapse.hpp>
#include <printgate/common/clock.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::camera {

struct camera_provider {  // one entry of get_providers
    std::string name;
    std::string kind;     // "test" | "http" | "v4l2"
    std::string address;  // url or device path ("" for the test pattern)
    int width = 0;
    int height = 0;
    int fps = 0;
    bool running = false;  // source open now
    std::size_t viewers = 0;
    std::string last_error;
};

struct service_options {
    std::chrono::milliseconds write_timeout{std::chrono::seconds(10)};    // drops dead viewers
    std::chrono::milliseconds snapshot_timeout{std::chrono::seconds(5)};  // wait for a first frame
    int max_viewers_per_camera = 64;
};

class camera_unit;

class camera_service {
public:
    camera_service(net::any_io_executor executor, std::vector<camera_config> cameras, service_options options = {},
                   const clock& clk = steady_clock_source::instance());
    ~camera_service();  // stops every source
    camera_service(const camera_service&) = delete;
    camera_service& operator=(const camera_service&) = delete;

    [[nodiscard]] const service_options& options() const { return options_; }
    [[nodiscard]] const net::any_io_executor& executor() const { return executor_; }
    [[nodiscard]] const clock& time() const { return clock_; }

    // A camera built elsewhere (the relay's tunnel-fed hub, tests). Its name must be new.
    camera_unit& add(std::unique_ptr<camera_unit> camera);

    // By name; an empty name is the first camera. nullptr when unknown.
    [[nodiscard]] camera_unit* find(std::string_view name);
    [[nodiscard]] std::vector<camera_provider> get_providers() const;

    // The newest picture of a camera, waking its source when idle and waiting up to
    // options().snapshot_timeout for a frame. nullptr when unknown camera or no frame came.
    net::awaitable<frame_ptr> snapshot(std::string_view camera);
    // Keeps a camera's source running without viewers (the relay's single tunnel stream, a
    // dashboard preview); stream_off releases it. False for an unknown camera.
    bool stream_on(std::string_view camera);
    bool stream_off(std::string_view camera);

    void stop();  // stops every source and closes every hub (viewers end)

    // The print timelapse (frames from options.camera, by layer change and/or interval);
    // the edge feeds it its job events (timelapse::on_job_event). Replaces an earlier one.
    timelapse& enable_timelapse(timelapse_options options);
    [[nodiscard]] timelapse* print_timelapse() { return timelapse_.get(); }

private:
    net::any_io_executor executor_;
    service_options options_;
    const clock& clock_;
    std::vector<std::unique_ptr<camera_unit>> cameras_;
    std::unique_ptr<timelapse> timelapse_;  // after cameras_: destroyed first
};

// One camera: its config, hub and source, started and stopped by demand.
class camera_unit {
public:
    camera_unit(net::any_io_executor executor, camera_config config, const clock& clk);
    // For tests and the relay: a camera around any source factory.
    camera_unit(net::any_io_executor executor, camera_config config, const clock& clk,
                std::unique_ptr<frame_source> source, std::shared_ptr<frame_hub> hub);
    ~camera_unit();
    camera_unit(const camera_unit&) = delete;
    camera_unit& operator=(const camera_unit&) = delete;

    [[nodiscard]] const camera_config& config() const { return config_; }
    [[nodiscard]] frame_hub& hub() { return *hub_; }
    [[nodiscard]] const std::shared_ptr<frame_hub>& shared_hub() const { return hub_; }
    [[nodiscard]] frame_source& source() { return *source_; }
    [[nodiscard]] bool source_running() const { return source_->running(); }

    void hold(bool on);  // stream_on / stream_off
    [[nodiscard]] bool held() const { return static_cast<bool>(hold_); }
    void stop();

private:
    void demand_changed(std::size_t demand);

    camera_config config_;
    std::shared_ptr<frame_hub> hub_;
    std::unique_ptr<frame_source> source_;
    net::steady_timer linger_;
    frame_hub::viewer hold_;
    bool stopped_ = false;
};

// The source a config asks for, publishing into `hub`.
[[nodiscard]] std::unique_ptr<frame_source> make_source(const camera_config& config, std::shared_ptr<frame_hub> hub,
                                                        const clock& clk);

}  // namespace printgate::camera
