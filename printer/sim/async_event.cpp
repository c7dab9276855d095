#include "async_event.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace printgate::sim {

void async_event::notify() {
    pending_ = true;
    timer_.cancel();
}

net::awaitable<void> async_event::wait_until(time_point deadline) {
    if (!pending_) {
        timer_.expires_at(deadline);
        co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
    }
    pending_ = false;
}

}  // namespace printgate::sim
