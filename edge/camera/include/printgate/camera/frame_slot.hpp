#pragma once
// One viewer's latest-frame slot: never a queue. A new frame replaces the one waiting, so a
// slow viewer skips frames (counted) and never holds anything up; a viewer asks for "a frame
// newer than N" and gets the newest one. An optional frame-rate cap spaces out what one
// viewer takes. Not thread-safe: used on the executor of the frame_hub that owns it.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <printgate/camera/frame.hpp>
#include <printgate/common/clock.hpp>

namespace printgate::camera {

namespace net = boost::asio;

class frame_slot {
public:
    // max_fps <= 0: no cap.
    frame_slot(net::any_io_executor executor, const clock& clk, double max_fps);
    frame_slot(const frame_slot&) = delete;
    frame_slot& operator=(const frame_slot&) = delete;

    // Called by the hub: the newest frame replaces the waiting one, waking a waiter.
    void offer(const frame_ptr& f);
    // No more frames will come (hub gone or viewer removed); wakes a waiter.
    void close();

    // The waiting frame if it is newer than `after` and the rate cap allows one now; taking
    // it starts the next cap interval. nullptr otherwise.
    [[nodiscard]] frame_ptr try_take(std::uint64_t after);
    // When the rate cap allows the next frame (time_point{} when now).
    [[nodiscard]] clock::time_point next_allowed() const { return next_allowed_; }

    // Waits up to `timeout` for try_take(after) to succeed. nullptr on timeout or close.
    net::awaitable<frame_ptr> next(std::uint64_t after, std::chrono::milliseconds timeout);

    [[nodiscard]] bool closed() const { return closed_; }
    // Frames that were replaced before this viewer took them.
    [[nodiscard]] std::uint64_t skipped() const { return skipped_; }
    [[nodiscard]] std::uint64_t taken() const { return taken_; }

private:
    net::steady_timer wake_;
    const clock& clock_;
    clock::duration interval_{};
    clock::time_point next_allowed_{};
    frame_ptr waiting_;
    bool waiting_taken_ = true;
    bool closed_ = false;
    std::uint64_t skipped_ = 0;
    std::uint64_t taken_ = 0;
};

}  // namespace printgate::camera
