#include "motion_state.hpp"

#include <algorithm>
#include <cmath>

#include "sim_time.hpp"

namespace printgate::sim {

motion_state::move motion_state::linear(const gcode_command& cmd) {
    if (auto f = cmd.value('F'); f && *f > 0) feed_mm_min_ = *f;
    move m;
    m.from = position_;
    auto target = [&](char letter, double current, bool relative) {
        auto v = cmd.value(letter);
        if (!v) return current;
        return relative ? current + *v : *v;
    };
    position_.x = target('X', position_.x, relative_);
    position_.y = target('Y', position_.y, relative_);
    position_.z = target('Z', position_.z, relative_);
    position_.e = target('E', position_.e, relative_ || relative_e_);
    m.to = position_;
    const double dx = m.to.x - m.from.x, dy = m.to.y - m.from.y, dz = m.to.z - m.from.z;
    double length = std::sqrt(dx * dx + dy * dy + dz * dz);
    if (length == 0) length = std::abs(m.to.e - m.from.e);  // extrude-only move
    m.moves = length > 0;
    // A floor keeps F0.0001 from turning one move into days.
    const double mm_per_s = std::max(feed_mm_min_ * feed_percent_ / 100.0 / 60.0, 0.1);
    m.duration = from_seconds(length / mm_per_s);
    return m;
}

void motion_state::set_position(const gcode_command& cmd) {
    // G92 with no axis letters sets all axes to zero.
    const bool any = cmd.has('X') || cmd.has('Y') || cmd.has('Z') || cmd.has('E');
    position_.x = any ? cmd.value('X').value_or(position_.x) : 0;
    position_.y = any ? cmd.value('Y').value_or(position_.y) : 0;
    position_.z = any ? cmd.value('Z').value_or(position_.z) : 0;
    position_.e = any ? cmd.value('E').value_or(position_.e) : 0;
}

void motion_state::home(const gcode_command& cmd) {
    const bool any = cmd.has('X') || cmd.has('Y') || cmd.has('Z');
    if (!any || cmd.has('X')) position_.x = 0;
    if (!any || cmd.has('Y')) position_.y = 0;
    if (!any || cmd.has('Z')) position_.z = 0;
}

}  // namespace printgate::sim
