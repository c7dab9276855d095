#pragma once
// An auto-report (M155 temperatures, M27 S SD status): calls `report` every interval
// seconds until set to 0.
#include <functional>

#include "async_event.hpp"

namespace printgate::sim {

class periodic_report {
public:
    periodic_report(net::any_io_executor ex, std::function<void()> report);

    void start();
    // Seconds between reports; 0 stops. The first report follows one interval after.
    void set_interval(double seconds);
    double interval() const { return interval_s_; }

private:
    net::awaitable<void> run();

    net::any_io_executor ex_;
    std::function<void()> report_;
    async_event changed_;
    double interval_s_ = 0;
    net::steady_timer::time_point next_{};
};

}  // namespace printgate::sim
