#include "periodic_report.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "sim_time.hpp"

namespace printgate::sim {

periodic_report::periodic_report(net::any_io_executor ex, std::function<void()> report)
    : ex_(ex), report_(std::move(report)), changed_(ex) {}

void periodic_report::start() { net::co_spawn(ex_, run(), net::detached); }

void periodic_report::set_interval(double seconds) {
    interval_s_ = seconds > 0 ? seconds : 0;
    next_ = std::chrono::steady_clock::now() + from_seconds(interval_s_);
    changed_.notify();
}

net::awaitable<void> periodic_report::run() {
    for (;;) {
        if (interval_s_ <= 0) {
            co_await changed_.wait();
            continue;
        }
        co_await changed_.wait_until(next_);
        const auto now = std::chrono::steady_clock::now();
        if (interval_s_ <= 0 || now < next_) continue;
        report_();
        // Marlin schedules from the time of the report, so a late one does not cause a burst.
        next_ = now + from_seconds(interval_s_);
    }
}

}  // namespace printgate::sim
