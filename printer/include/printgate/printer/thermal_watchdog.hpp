#pragma once
// A host-side thermal watchdog, independent of the firmware's own protection (which cheap
// printers have shipped disabled). It watches the temperature reports the host already gets
// and raises an event for a heater that loses its temperature, cannot reach it, or reports
// nonsense. It never acts itself: the host reads `action` and stops the print if asked to.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/common/clock.hpp"

namespace printgate::printer {

enum class heater_kind : std::uint8_t { hotend, bed, chamber };

// Thresholds for one kind of heater. Temperatures in degrees C.
struct thermal_rules {
    double reached_band = 1.0;  // within this of the target counts as having reached it

    // below_target: after reaching the target, more than `below_margin` under it for `below_for`.
    double below_margin = 4.0;
    std::chrono::seconds below_for{40};

    // heating_stalled: while more than `stall_distance` under the target, less than
    // `stall_gain` gained within `stall_window`.
    double stall_distance = 6.0;
    double stall_gain = 2.0;
    std::chrono::seconds stall_window{20};

    // sensor_fault: outside [min_valid, max_valid], not a number, or a jump of more than
    // `max_jump` between readings less than `jump_window` apart (a loose thermistor).
    double min_valid = -10.0;
    double max_valid = 320.0;
    double max_jump = 25.0;
    std::chrono::milliseconds jump_window{2000};
};

thermal_rules default_hotend_rules();
thermal_rules default_bed_rules();
thermal_rules default_chamber_rules();

struct thermal_watchdog_config {
    thermal_rules hotend = default_hotend_rules();
    thermal_rules bed = default_bed_rules();
    thermal_rules chamber = default_chamber_rules();
    // A false stop costs a print; a missed runaway can cost a house. Stop by default.
    bool stop_on_fault = true;
    // A target the host set (M104 ...) wins over the one the firmware reports until the
    // firmware echoes it or this long has passed (the command may wait in the firmware queue).
    std::chrono::seconds target_echo_timeout{30};
};

enum class thermal_event_kind : std::uint8_t { below_target, heating_stalled, sensor_fault };
enum class thermal_action : std::uint8_t { notify, stop };

std::string_view to_string(thermal_event_kind kind);
std::string_view to_string(thermal_action action);

struct thermal_event {
    std::string heater;  // "T0", "B", "C"
    thermal_event_kind kind = thermal_event_kind::sensor_fault;
    double actual = 0;
    double target = 0;
    std::string message;  // "hotend T0 fell 6.2 C below its 210 C target for 40 s"
    clock::time_point time{};
    thermal_action action = thermal_action::notify;
};

// Not thread-safe: call it from the one place that reads the printer.
class thermal_watchdog {
public:
    explicit thermal_watchdog(const clock& clock, thermal_watchdog_config config = {});

    // Every temperature report, per heater ("T0".."T15", "T", "B", "C"; other names such as
    // the probe "P" are ignored). Returns the events this reading raises; each is raised
    // once per episode and re-armed when its condition clears.
    std::vector<thermal_event> on_reading(std::string_view heater, double actual, double target);

    // The host sent M104/M109/M140/M190/M141: a new target before the firmware echoes it.
    // A change restarts that heater's timers; 0 disarms it.
    void on_target_set(std::string_view heater, double target);

    // While paused the user may lower targets or let heaters cool: a heater whose target
    // changes during a pause gets no below-target or stall alarm until it is back at target.
    void set_paused(bool paused);

    // Disconnected: forget every heater.
    void reset();

    static std::optional<heater_kind> kind_of(std::string_view heater);

private:
    struct heater_state {
        std::string name;
        heater_kind kind = heater_kind::hotend;
        double target = 0;
        std::optional<double> pending_target;  // set by the host, not yet echoed
        clock::time_point pending_since{};
        bool have_reading = false;
        double last_actual = 0;
        clock::time_point last_time{};
        bool reached = false;
        bool exempt = false;  // target changed during a pause, not back at target yet
        std::optional<clock::time_point> below_since;
        std::optional<clock::time_point> stall_since;
        double stall_reference = 0;
        bool below_raised = false;
        bool stall_raised = false;
        bool fault_raised = false;
    };

    heater_state* find(std::string_view heater, bool create);
    const thermal_rules& rules(const heater_state& h) const;
    void change_target(heater_state& h, double target);
    bool check_sensor(heater_state& h, double actual, clock::time_point now,
                      std::vector<thermal_event>& events);
    void check_below(heater_state& h, double actual, clock::time_point now,
                     std::vector<thermal_event>& events);
    void check_stall(heater_state& h, double actual, clock::time_point now,
                     std::vector<thermal_event>& events);
    thermal_event make_event(const heater_state& h, thermal_event_kind kind, double actual,
                             std::string message, clock::time_point now) const;

    const clock& clock_;
    thermal_watchdog_config config_;
    bool paused_ = false;
    std::vector<heater_state> heaters_;  // a handful; bounded by kind_of's names
};

}  // namespace printgate::printer
