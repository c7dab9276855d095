#include "printgate/printer/thermal_watchdog.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace printgate::printer {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

// Reported targets are printed with one decimal; closer than this is the same target.
constexpr double same_target = 0.05;

std::string_view kind_name(heater_kind kind) {
    switch (kind) {
    case heater_kind::hotend: return "hotend";
    case heater_kind::bed: return "bed";
    case heater_kind::chamber: return "chamber";
    }
    return "heater";
}

double sane_target(double target) { return std::isfinite(target) && target > 0 ? target : 0.0; }

long long whole_seconds(clock::duration d) { return duration_cast<seconds>(d).count(); }

}  // namespace

thermal_rules default_hotend_rules() { return {}; }

thermal_rules default_bed_rules() {
    thermal_rules r;
    r.below_margin = 2.0;
    r.below_for = seconds(20);
    r.stall_distance = 5.0;
    r.stall_window = seconds(60);
    r.max_valid = 150.0;
    return r;
}

thermal_rules default_chamber_rules() {
    // Chambers warm slowly, often only from the bed: long windows, small gains.
    thermal_rules r;
    r.below_margin = 5.0;
    r.below_for = seconds(120);
    r.stall_distance = 5.0;
    r.stall_gain = 1.0;
    r.stall_window = seconds(180);
    r.max_valid = 100.0;
    return r;
}

std::string_view to_string(thermal_event_kind kind) {
    switch (kind) {
    case thermal_event_kind::below_target: return "below_target";
    case thermal_event_kind::heating_stalled: return "heating_stalled";
    case thermal_event_kind::sensor_fault: return "sensor_fault";
    }
    return "?";
}

std::string_view to_string(thermal_action action) {
    return action == thermal_action::stop ? "stop" : "notify";
}

std::optional<heater_kind> thermal_watchdog::kind_of(std::string_view heater) {
    if (heater == "B") return heater_kind::bed;
    if (heater == "C") return heater_kind::chamber;
    if (heater == "T") return heater_kind::hotend;  // single-extruder Marlin reports "T:"
    if (heater.size() < 2 || heater.size() > 3 || heater[0] != 'T') return std::nullopt;
    unsigned index = 0;
    auto [ptr, ec] = std::from_chars(heater.data() + 1, heater.data() + heater.size(), index);
    if (ec != std::errc() || ptr != heater.data() + heater.size() || index > 15) return std::nullopt;
    return heater_kind::hotend;
}

thermal_watchdog::thermal_watchdog(const clock& clock, thermal_watchdog_config config)
    : clock_(clock), config_(config) {}

thermal_watchdog::heater_state* thermal_watchdog::find(std::string_view heater, bool create) {
    for (auto& h : heaters_)
        if (h.name == heater) return &h;
    auto kind = kind_of(heater);
    if (!create || !kind) return nullptr;
    heater_state& h = heaters_.emplace_back();
    h.name = std::string(heater);
    h.kind = *kind;
    return &h;
}

const thermal_rules& thermal_watchdog::rules(const heater_state& h) const {
    switch (h.kind) {
    case heater_kind::bed: return config_.bed;
    case heater_kind::chamber: return config_.chamber;
    case heater_kind::hotend: break;
    }
    return config_.hotend;
}

void thermal_watchdog::change_target(heater_state& h, double target) {
    h.target = target;
    h.reached = false;
    h.below_since.reset();
    h.stall_since.reset();
    h.below_raised = false;
    h.stall_raised = false;
    if (paused_) h.exempt = true;
}

void thermal_watchdog::on_target_set(std::string_view heater, double target) {
    heater_state* h = find(heater, true);
    if (h == nullptr) return;
    target = sane_target(target);
    h->pending_target = target;
    h->pending_since = clock_.now();
    if (std::fabs(target - h->target) > same_target) change_target(*h, target);
}

void thermal_watchdog::set_paused(bool paused) { paused_ = paused; }

void thermal_watchdog::reset() {
    heaters_.clear();
    paused_ = false;
}

std::vector<thermal_event> thermal_watchdog::on_reading(std::string_view heater, double actual,
                                                        double target) {
    std::vector<thermal_event> events;
    heater_state* found = find(heater, true);
    if (found == nullptr) return events;
    heater_state& h = *found;
    const auto now = clock_.now();

    // The firmware's target is the truth, except for one the host just sent that the
    // firmware has not taken yet (it may sit behind queued moves).
    if (std::isfinite(target)) {
        target = sane_target(target);
        if (h.pending_target) {
            if (std::fabs(target - *h.pending_target) <= same_target) {
                h.pending_target.reset();
            } else if (now - h.pending_since >= config_.target_echo_timeout) {
                h.pending_target.reset();
                if (std::fabs(target - h.target) > same_target) change_target(h, target);
            }
        } else if (std::fabs(target - h.target) > same_target) {
            change_target(h, target);
        }
    }

    if (check_sensor(h, actual, now, events) && h.target > 0) {
        const thermal_rules& r = rules(h);
        if (actual >= h.target - r.reached_band) {
            h.reached = true;
            h.exempt = false;
        }
        check_below(h, actual, now, events);
        check_stall(h, actual, now, events);
    }
    if (std::isfinite(actual)) {
        h.have_reading = true;
        h.last_actual = actual;
        h.last_time = now;
    }
    return events;
}

// False when the reading cannot be trusted: then no other rule looks at it.
bool thermal_watchdog::check_sensor(heater_state& h, double actual, clock::time_point now,
                                    std::vector<thermal_event>& events) {
    const thermal_rules& r = rules(h);
    std::string why;
    if (!std::isfinite(actual)) {
        why = "reading is not a number";
    } else if (actual < r.min_valid) {
        why = fmt::format("reads {:.1f} C, below the {:g} C limit", actual, r.min_valid);
    } else if (actual > r.max_valid) {
        why = fmt::format("reads {:.1f} C, above the {:g} C limit", actual, r.max_valid);
    } else if (h.have_reading && now - h.last_time < r.jump_window &&
               std::fabs(actual - h.last_actual) > r.max_jump) {
        why = fmt::format("jumped from {:.1f} C to {:.1f} C in {:.1f} s (loose thermistor?)",
                          h.last_actual, actual,
                          std::chrono::duration<double>(now - h.last_time).count());
    }
    if (why.empty()) {
        h.fault_raised = false;
        return true;
    }
    if (!h.fault_raised) {
        h.fault_raised = true;
        events.push_back(make_event(h, thermal_event_kind::sensor_fault, actual,
                                    fmt::format("{} {} sensor fault: {}", kind_name(h.kind), h.name, why),
                                    now));
    }
    return false;
}

void thermal_watchdog::check_below(heater_state& h, double actual, clock::time_point now,
                                   std::vector<thermal_event>& events) {
    const thermal_rules& r = rules(h);
    if (!h.reached || h.exempt || actual >= h.target - r.below_margin) {
        h.below_since.reset();
        h.below_raised = false;
        return;
    }
    if (!h.below_since) h.below_since = now;
    if (h.below_raised || now - *h.below_since < r.below_for) return;
    h.below_raised = true;
    events.push_back(make_event(
        h, thermal_event_kind::below_target, actual,
        fmt::format("{} {} fell {:.1f} C below its {:g} C target for {} s", kind_name(h.kind), h.name,
                    h.target - actual, h.target, whole_seconds(now - *h.below_since)),
        now));
}

void thermal_watchdog::check_stall(heater_state& h, double actual, clock::time_point now,
                                   std::vector<thermal_event>& events) {
    const thermal_rules& r = rules(h);
    // Only a target the firmware has taken can be heated towards; near the target the
    // controller slows down on purpose, so the last few degrees are not watched.
    bool heating = !h.reached && !h.exempt && !h.pending_target && actual < h.target - r.stall_distance;
    if (!heating) {
        h.stall_since.reset();
        h.stall_raised = false;
        return;
    }
    if (!h.stall_since || actual >= h.stall_reference + r.stall_gain) {
        h.stall_since = now;
        h.stall_reference = actual;
        h.stall_raised = false;
        return;
    }
    if (h.stall_raised || now - *h.stall_since < r.stall_window) return;
    h.stall_raised = true;
    events.push_back(make_event(
        h, thermal_event_kind::heating_stalled, actual,
        fmt::format("{} {} gained only {:.1f} C in {} s while heating to {:g} C (now {:.1f} C)",
                    kind_name(h.kind), h.name, actual - h.stall_reference,
                    whole_seconds(now - *h.stall_since), h.target, actual),
        now));
}

thermal_event thermal_watchdog::make_event(const heater_state& h, thermal_event_kind kind, double actual,
                                           std::string message, clock::time_point now) const {
    thermal_event e;
    e.heater = h.name;
    e.kind = kind;
    e.actual = actual;
    e.target = h.target;
    e.message = std::move(message);
    e.time = now;
    e.action = config_.stop_on_fault ? thermal_action::stop : thermal_action::notify;
    return e;
}

}  // namespace printgate::printer
