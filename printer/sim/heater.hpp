#pragma once
// A heater with a first-order response: the reading approaches the target (ambient when off)
// exponentially with time constant tau. Computed from the clock, so it needs no ticking.
#include <chrono>

namespace printgate::sim {

class heater {
public:
    using time_point = std::chrono::steady_clock::time_point;
    static constexpr double ambient = 21.0;
    static constexpr double disconnected_reading = -14.0;

    explicit heater(double tau_s) : tau_s_(tau_s) {}

    void set_target(time_point now, double target);
    double target() const { return target_; }
    double temperature(time_point now) const;
    // Marlin's 0..127 power figure (@: in the report).
    int power(time_point now) const;
    // From now on the thermistor reads as disconnected.
    void disconnect_thermistor(time_point now);

    // When the reading first gets within `window` of the target while heating (or, when
    // cooling_too, from either side); `now` when it already is; time_point::max() never.
    time_point reached_at(time_point now, double window, bool cooling_too) const;
    bool reached(time_point now, double window, bool cooling_too) const;

private:
    double goal() const { return target_ > 0 ? target_ : ambient; }

    double tau_s_;
    double target_ = 0;
    double start_temperature_ = ambient;
    time_point start_{};
    bool disconnected_ = false;
};

}  // namespace printgate::sim
