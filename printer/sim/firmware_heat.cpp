// The firmware's temperature commands: targets, blocking waits, reports.
#include <fmt/format.h>

#include <cmath>

#include "firmware.hpp"

namespace printgate::sim {
namespace {

using std::chrono::steady_clock;

std::string reading(const heater& h, steady_clock::time_point now) {
    return fmt::format("{:.2f} /{:.2f}", h.temperature(now), h.target());
}

}  // namespace

heater* firmware::hotend_for(const gcode_command& cmd) {
    const long tool = cmd.has('T') ? std::lround(cmd.value_or('T', -1)) : static_cast<long>(active_extruder_);
    if (tool < 0 || static_cast<std::size_t>(tool) >= hotends_.size()) {
        emit(fmt::format("echo:M{} Invalid extruder {}", cmd.code(), tool));
        return nullptr;
    }
    return &hotends_[static_cast<std::size_t>(tool)];
}

void firmware::all_heaters_off(time_point now) {
    for (auto& h : hotends_) h.set_target(now, 0);
    bed_.set_target(now, 0);
    if (chamber_) chamber_->set_target(now, 0);
}

// Targets are set here; the waits of M109/M190/M191 follow in execute().
std::optional<firmware::reply> firmware::execute_heat(const gcode_command& cmd) {
    const auto now = steady_clock::now();
    // M109/M190 take S (wait only when heating) or R (wait either way).
    const auto wait_target = cmd.has('R') ? cmd.value('R') : cmd.value('S');
    switch (cmd.code()) {
        case 104:
        case 109:
            if (heater* h = hotend_for(cmd)) {
                const auto target = cmd.code() == 104 ? cmd.value('S') : wait_target;
                if (target) h->set_target(now, *target);
            }
            return reply::ok;
        case 105:
            return reply::ok_with_temperatures;
        case 140:
        case 190:
            if (auto target = cmd.code() == 140 ? cmd.value('S') : wait_target) bed_.set_target(now, *target);
            return reply::ok;
        case 141:
        case 191:
            if (!chamber_) return std::nullopt;
            if (auto target = cmd.code() == 141 ? cmd.value('S') : wait_target)
                chamber_->set_target(now, *target);
            return reply::ok;
        case 155:
            if (!options_.autoreport) return std::nullopt;
            if (auto s = cmd.value('S')) temperature_autoreport_.set_interval(std::max(*s, 0.0));
            return reply::ok;
        default:
            return std::nullopt;
    }
}

net::awaitable<void> firmware::wait_for_heater(heater& h, bool cooling_too) {
    // Like Marlin's wait_for_hotend: a report line every second (the first at once), done
    // within 1 C of the target, and M108 gives up waiting.
    constexpr double window = 1.0;
    waiting_for_user_ = true;
    wait_cancelled_ = false;
    auto next_report = steady_clock::now();
    for (;;) {
        const auto now = steady_clock::now();
        if (now >= next_report) {
            emit(temperature_report(now) + " W:?");
            next_report = now + std::chrono::seconds(1);
        }
        if (h.reached(now, window, cooling_too)) break;
        const auto until = std::min(next_report, h.reached_at(now, window, cooling_too));
        const bool alive = co_await wait_until(until, keepalive::none, [this] { return wait_cancelled_; });
        if (!alive) co_return;
        if (wait_cancelled_) break;
    }
    waiting_for_user_ = false;
    wait_cancelled_ = false;
}

// Marlin's print_heater_states, leading space included: " T:21.00 /0.00 B:21.00 /0.00 @:0 B@:0".
std::string firmware::temperature_report(time_point now) {
    std::string out = " T:" + reading(hotends_[active_extruder_], now);
    out += " B:" + reading(bed_, now);
    if (chamber_) out += " C:" + reading(*chamber_, now);
    if (hotends_.size() > 1)
        for (std::size_t i = 0; i < hotends_.size(); ++i)
            out += fmt::format(" T{}:", i) + reading(hotends_[i], now);
    out += fmt::format(" @:{} B@:{}", hotends_[active_extruder_].power(now), bed_.power(now));
    if (chamber_) out += fmt::format(" C@:{}", chamber_->power(now));
    if (hotends_.size() > 1)
        for (std::size_t i = 0; i < hotends_.size(); ++i)
            out += fmt::format(" @{}:{}", i, hotends_[i].power(now));
    return out;
}

}  // namespace printgate::sim
