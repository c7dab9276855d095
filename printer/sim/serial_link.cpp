#include "serial_link.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace printgate::sim {
namespace {

// About what a tty buffers: a host that writes more waits in write(), not in our memory.
constexpr std::size_t rx_backlog_limit = 4096;
// Timer wake-ups are batched to this granularity: finer than USB's 1 ms frames anyway.
constexpr auto min_tick = std::chrono::microseconds(250);

paced_pipe::duration byte_time(unsigned baud) {
    // 8N1: ten bit times per byte.
    return baud == 0 ? paced_pipe::duration::zero() : paced_pipe::duration(10'000'000'000LL / baud);
}

}  // namespace

serial_link::serial_link(net::any_io_executor ex, unsigned baud, std::chrono::microseconds latency)
    : rx_(byte_time(baud), latency), tx_(byte_time(baud), latency), rx_event_(ex), tx_event_(ex), ex_(ex) {}

void serial_link::attach(endpoint& port, receiver on_receive) {
    port_ = &port;
    on_receive_ = std::move(on_receive);
}

void serial_link::start() {
    net::co_spawn(ex_, pump(rx_, rx_event_, false), net::detached);
    net::co_spawn(ex_, pump(tx_, tx_event_, true), net::detached);
}

void serial_link::send(std::string_view bytes) {
    tx_.push(std::chrono::steady_clock::now(), bytes);
    tx_event_.notify();
}

void serial_link::clear() {
    rx_.clear();
    tx_.clear();
}

void serial_link::on_bytes(std::string_view bytes) {
    rx_.push(std::chrono::steady_clock::now(), bytes);
    rx_event_.notify();
}

bool serial_link::can_take_more() const { return rx_.backlog() < rx_backlog_limit; }

net::awaitable<void> serial_link::pump(paced_pipe& pipe, async_event& event, bool towards_host) {
    for (;;) {
        const auto now = std::chrono::steady_clock::now();
        const std::string due = pipe.take_due(now);
        if (!due.empty()) {
            if (towards_host) {
                if (port_) port_->write(due);
            } else if (on_receive_) {
                on_receive_(due);
            }
        }
        if (auto next = pipe.next_due())
            co_await event.wait_until(std::max(*next, now + min_tick));
        else
            co_await event.wait();
    }
}

}  // namespace printgate::sim
