#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <printgate/camera/frame_slot.hpp>

namespace printgate::camera {

frame_slot::frame_slot(net::any_io_executor executor, const clock& clk, double max_fps)
    : wake_(std::move(executor)), clock_(clk) {
    if (max_fps > 0) {
        interval_ = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / max_fps));
    }
}

void frame_slot::offer(const frame_ptr& f) {
    if (closed_ || !f) return;
    if (waiting_ && !waiting_taken_) ++skipped_;
    waiting_ = f;
    waiting_taken_ = false;
    wake_.cancel();
}

void frame_slot::close() {
    closed_ = true;
    wake_.cancel();
}

frame_ptr frame_slot::try_take(std::uint64_t after) {
    if (!waiting_ || waiting_->number <= after) return nullptr;
    auto now = clock_.now();
    if (now < next_allowed_) return nullptr;
    if (interval_ != clock::duration::zero()) {
        // The next interval counts from when this one was due, so a viewer capped at the
        // source's own rate keeps that rate despite jitter; after a pause it starts afresh.
        next_allowed_ += interval_;
        if (next_allowed_ <= now) next_allowed_ = now + interval_;
    }
    if (!waiting_taken_) ++taken_;
    waiting_taken_ = true;
    return waiting_;
}

net::awaitable<frame_ptr> frame_slot::next(std::uint64_t after, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (auto f = try_take(after)) co_return f;
        if (closed_) co_return nullptr;
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) co_return nullptr;
        auto until = deadline;
        if (waiting_ && waiting_->number > after) {
            // Only the rate cap holds it back: sleep until it allows the frame.
            auto wait = next_allowed_ - clock_.now();
            until = std::min(deadline, now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(wait));
        }
        wake_.expires_at(until);
        auto [ec] = co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
        (void)ec;  // woken by offer()/close() (operation_aborted) or by the time: look again
    }
}

}  // namespace printgate::camera
