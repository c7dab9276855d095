#include "heater.hpp"

#include <cmath>

#include "sim_time.hpp"

namespace printgate::sim {

double heater::temperature(time_point now) const {
    if (disconnected_) return disconnected_reading;
    if (tau_s_ <= 0) return goal();
    const double t = std::chrono::duration<double>(now - start_).count();
    return goal() + (start_temperature_ - goal()) * std::exp(-std::max(t, 0.0) / tau_s_);
}

void heater::set_target(time_point now, double target) {
    start_temperature_ = disconnected_ ? ambient : temperature(now);
    start_ = now;
    target_ = target > 0 ? target : 0;
}

int heater::power(time_point now) const {
    if (target_ <= 0) return 0;
    const double error = target_ - temperature(now);
    if (error > 2) return 127;
    return error > -2 ? 40 : 0;  // holding
}

void heater::disconnect_thermistor(time_point now) {
    start_temperature_ = temperature(now);
    start_ = now;
    disconnected_ = true;
}

bool heater::reached(time_point now, double window, bool cooling_too) const {
    const double reading = temperature(now);
    if (cooling_too) return std::abs(reading - target_) <= window;
    return reading >= target_ - window;
}

heater::time_point heater::reached_at(time_point now, double window, bool cooling_too) const {
    if (reached(now, window, cooling_too)) return now;
    if (disconnected_) return time_point::max();
    // A heater that is off only cools to ambient: a higher target is never reached.
    if (std::abs(goal() - target_) > window) return time_point::max();
    const double gap = std::abs(temperature(now) - goal());
    const double seconds = tau_s_ * std::log(gap / (window * 0.999));
    return now + from_seconds(seconds) + std::chrono::milliseconds(1);
}

}  // namespace printgate::sim
