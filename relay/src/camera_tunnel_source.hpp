#pragma once
// A camera source for the relay: the one MJPEG stream of a device camera that crosses the
// tunnel. start() opens a tunnel stream to the device (device_directory::open_stream), sends a
// GET for the edge's /webcam/stream, and publishes every picture of the answer into the hub
// (edge/camera's read_mjpeg_response: the same multipart parser and limits as an IP camera).
// When the device is offline, refuses, or the stream ends or stays silent, the hub is closed:
// every viewer's stream ends cleanly and the next viewer starts a new source.
//
// Threading: on the hub's executor (the relay runs one io_context thread).
#include <cstdint>
#include <memory>
#include <string>

#include <printgate/camera/frame_hub.hpp>
#include <printgate/camera/frame_source.hpp>
#include <printgate/camera/http_mjpeg_source.hpp>
#include <printgate/common/clock.hpp>

#include "device_directory.hpp"

namespace printgate::relay {

struct camera_upstream {
    std::string device;  // DNS label of the device ("printer1")
    std::string host;    // Host the edge sees ("printer1.example.com")
    std::string target;  // "/webcam/stream" or "/webcam/stream?camera=NAME"
};

class camera_tunnel_source final : public camera::frame_source {
public:
    camera_tunnel_source(device_directory& devices, camera_upstream upstream,
                         std::shared_ptr<camera::frame_hub> hub, camera::http_source_options options = {},
                         const clock& clk = steady_clock_source::instance());
    ~camera_tunnel_source() override;

    void start() override;
    void stop() override;
    [[nodiscard]] bool running() const override { return run_ != nullptr; }
    [[nodiscard]] std::string last_error() const override { return last_error_; }

    // Tunnel streams opened so far (one per start that reached the device).
    [[nodiscard]] std::uint64_t opens() const { return opens_; }

private:
    struct run_state;
    net::awaitable<void> run(std::shared_ptr<run_state> run);

    device_directory& devices_;
    camera_upstream upstream_;
    std::shared_ptr<camera::frame_hub> hub_;
    camera::http_source_options options_;
    const clock& clock_;
    std::shared_ptr<run_state> run_;
    std::string last_error_;
    std::uint64_t opens_ = 0;
};

}  // namespace printgate::relay
