#pragma once
// Fan-out of one picture stream to any number of viewers, each with its own latest-frame slot
// (see frame_slot.hpp). Free of anything edge-specific so the relay reuses it for the one
// stream per camera that crosses the tunnel.
//
// Create it with std::make_shared: viewers and capture threads hold weak references.
//
// Threading: every member runs on the hub's executor (one io_context thread or a strand),
// except publish_from_any_thread(), which a capture thread may call.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <printgate/camera/frame.hpp>
#include <printgate/camera/frame_slot.hpp>
#include <printgate/common/clock.hpp>
#include <vector>

namespace printgate::camera {

struct viewer_options {
    double max_fps = 0;   // per-viewer rate cap; <= 0: as fast as the source
    bool counted = true;  // false: demand without being a viewer (snapshot, stream_on)
};

struct hub_stats {
    std::uint64_t frames_in = 0;   // published since start
    std::uint64_t frames_out = 0;  // taken by counted viewers, summed
    std::uint64_t drops = 0;       // frames counted viewers skipped, summed (incl. gone ones)
    double fps_in = 0;             // over the last completed second
    double fps_out = 0;
    std::size_t viewers = 0;  // counted viewers now
    std::size_t demand = 0;   // every slot, counted or not
    double latency_ms = 0;    // newest frame: expose - grab
    std::uint64_t latest_number = 0;
};

class frame_hub : public std::enable_shared_from_this<frame_hub> {
public:
    class viewer;

    explicit frame_hub(net::any_io_executor executor, const clock& clk = steady_clock_source::instance());
    ~frame_hub();
    frame_hub(const frame_hub&) = delete;
    frame_hub& operator=(const frame_hub&) = delete;

    [[nodiscard]] const net::any_io_executor& executor() const { return executor_; }

    // Numbers the frame, stamps expose_time and offers it to every slot. Returns it shared.
    frame_ptr publish(frame f);
    // For a capture thread: posts publish() to the executor (dropped if the hub is gone).
    static void publish_from_any_thread(const std::weak_ptr<frame_hub>& hub, frame f);

    [[nodiscard]] frame_ptr latest() const { return latest_; }

    // A new slot, registered until the viewer object goes away. It starts empty: the first
    // frame it gets is the next one published (a stream never starts with a stale picture),
    // unless `with_latest` is set.
    [[nodiscard]] viewer add_viewer(viewer_options options = {}, bool with_latest = false);

    [[nodiscard]] std::size_t viewers() const;
    [[nodiscard]] std::size_t demand() const { return slots_.size(); }
    // Called (on the executor) whenever demand() changes.
    void on_demand_changed(std::function<void(std::size_t demand)> callback);

    [[nodiscard]] hub_stats stats() const;

    // Closes every slot: waiters wake with nullptr. A closed hub stays closed: new viewers
    // get a closed slot at once.
    void close();
    [[nodiscard]] bool closed() const { return closed_; }

private:
    struct entry {
        std::shared_ptr<frame_slot> slot;
        bool counted;
    };
    void remove(const frame_slot* slot);
    void roll_rates() const;

    net::any_io_executor executor_;
    const clock& clock_;
    std::vector<entry> slots_;
    std::function<void(std::size_t)> demand_changed_;
    frame_ptr latest_;
    std::uint64_t next_number_ = 1;
    std::uint64_t frames_in_ = 0;
    std::uint64_t gone_taken_ = 0;
    std::uint64_t gone_skipped_ = 0;
    bool closed_ = false;
    // fps over whole seconds: counts in the current second, rates of the last complete one
    mutable clock::time_point window_start_{};
    mutable std::uint64_t window_in_start_ = 0;
    mutable std::uint64_t window_out_start_ = 0;
    mutable double fps_in_ = 0;
    mutable double fps_out_ = 0;

public:
    // A registered slot; unregisters when destroyed. Move-only.
    class viewer {
    public:
        viewer() = default;
        viewer(viewer&& other) noexcept;
        viewer& operator=(viewer&& other) noexcept;
        viewer(const viewer&) = delete;
        viewer& operator=(const viewer&) = delete;
        ~viewer();

        [[nodiscard]] explicit operator bool() const { return slot_ != nullptr; }
        [[nodiscard]] frame_slot& slot() { return *slot_; }
        net::awaitable<frame_ptr> next(std::uint64_t after, std::chrono::milliseconds timeout) {
            return slot_->next(after, timeout);
        }
        void reset();

    private:
        friend class frame_hub;
        viewer(std::weak_ptr<frame_hub> hub, std::shared_ptr<frame_slot> slot)
            : hub_(std::move(hub)), slot_(std::move(slot)) {}
        std::weak_ptr<frame_hub> hub_;
        std::shared_ptr<frame_slot> slot_;
    };
};

}  // namespace printgate::camera
