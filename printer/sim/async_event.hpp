#pragma once
// A wake-up flag for one waiting coroutine: notify() wakes the waiter, or the next wait
// when nobody waits yet, so a notification is never lost between two checks.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace printgate::sim {

namespace net = boost::asio;

class async_event {
public:
    using time_point = net::steady_timer::time_point;

    explicit async_event(net::any_io_executor ex) : timer_(std::move(ex)) {}

    void notify();
    // Returns on notify() or at the deadline, whichever comes first.
    net::awaitable<void> wait_until(time_point deadline);
    net::awaitable<void> wait() { return wait_until(time_point::max()); }

private:
    net::steady_timer timer_;
    bool pending_ = false;
};

}  // namespace printgate::sim
