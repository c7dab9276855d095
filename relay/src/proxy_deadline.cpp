#include "proxy_deadline.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace printgate::relay {

namespace net = boost::asio;

proxy_deadline::proxy_deadline(net::any_io_executor executor, std::function<void()> on_expiry)
    : timer_(std::move(executor)), on_expiry_(std::move(on_expiry)),
      deadline_(std::chrono::steady_clock::now() + timeout_) {}

void proxy_deadline::phase(duration timeout) {
    timeout_ = timeout;
    touch();
    // The new deadline may be earlier than the one the timer waits for: wake it to re-arm.
    timer_.cancel();
}

void proxy_deadline::touch() { deadline_ = std::chrono::steady_clock::now() + timeout_; }

net::awaitable<void> proxy_deadline::run() {
    while (!stopped_) {
        // The deadline may move later while we sleep; a wake-up before it only re-arms.
        if (std::chrono::steady_clock::now() >= deadline_) {
            expired_ = true;
            if (on_expiry_) on_expiry_();
            co_return;
        }
        timer_.expires_at(deadline_);
        auto [ec] = co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
        (void)ec;
    }
}

void proxy_deadline::stop() {
    stopped_ = true;
    timer_.cancel();
}

}  // namespace printgate::relay
