#include "gcode_motion.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace printgate::printer {
namespace {

constexpr char axis_letter[3] = {'X', 'Y', 'Z'};

axis_range& range(bounding_box& box, int axis) {
    return axis == 0 ? box.x : axis == 1 ? box.y : box.z;
}

void grow(axis_range& r, double v) {
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
}

// Angle from `from` to `to` in the direction of travel, in [0, 2 pi).
double turn(double from, double to, bool clockwise) {
    constexpr double two_pi = 2 * std::numbers::pi;
    double d = std::fmod(clockwise ? from - to : to - from, two_pi);
    return d < 0 ? d + two_pi : d;
}

}  // namespace

gcode_motion::gcode_motion(std::size_t max_tools)
    : net_e_(std::max<std::size_t>(1, max_tools)), peak_e_(std::max<std::size_t>(1, max_tools)) {}

void gcode_motion::include(int axis, double logical, bool extruding) {
    if (!known_[static_cast<std::size_t>(axis)]) return;
    double machine = logical + offset_[static_cast<std::size_t>(axis)];
    grow(range(move_box_, axis), machine);
    if (extruding) grow(range(extrusion_box_, axis), machine);
}

gcode_motion::move_result gcode_motion::move(const gcode_words& w, bool is_arc, bool clockwise) {
    std::array<double, 3> from = pos_;
    std::array<double, 3> to = pos_;
    bool any_axis = false;
    for (std::size_t a = 0; a < 3; ++a) {
        if (!w.has(axis_letter[a])) continue;
        any_axis = true;
        double v = w[axis_letter[a]] * unit_;
        if (relative_) {
            to[a] += v;
        } else {
            to[a] = v;
            known_[a] = true;
        }
    }

    double de = 0;
    if (w.has('E')) {
        bool e_relative = e_mode_ == e_mode::relative || (e_mode_ == e_mode::follow_axes && relative_);
        double v = w['E'] * unit_;
        de = e_relative ? v : v - e_;
        e_ = e_relative ? e_ + v : v;
    }
    if (de != 0) {
        any_e_ = true;
        net_e_[tool_] += de;
        peak_e_[tool_] = std::max(peak_e_[tool_], net_e_[tool_]);
    }

    bool extruding = de > 0 && (is_arc || to[0] != from[0] || to[1] != from[1]);
    pos_ = to;
    if (any_axis) {
        for (std::size_t a = 0; a < 3; ++a) {
            if (!known_[a]) continue;
            double f = from[a] + offset_[a], t = to[a] + offset_[a];
            double lo = std::min(f, t), hi = std::max(f, t);
            axis_range& m = range(move_box_, static_cast<int>(a));
            m.min = std::min(m.min, lo);
            m.max = std::max(m.max, hi);
            if (extruding) {
                axis_range& e = range(extrusion_box_, static_cast<int>(a));
                e.min = std::min(e.min, lo);
                e.max = std::max(e.max, hi);
            }
        }
        if (is_arc && plane_ == 17) include_arc(from, to, w, clockwise, extruding);
    }
    return {w.has('Z'), extruding};
}

// The exact bounds of an XY arc: its end points plus every axis extreme (0, 90, 180, 270
// degrees) that the sweep passes.
void gcode_motion::include_arc(const std::array<double, 3>& from, const std::array<double, 3>& to,
                               const gcode_words& w, bool clockwise, bool extruding) {
    if (!known_[0] || !known_[1]) return;
    double sx = from[0], sy = from[1], ex = to[0], ey = to[1];
    double cx, cy;
    if (w.has('I') || w.has('J')) {
        cx = sx + (w.has('I') ? w['I'] * unit_ : 0.0);
        cy = sy + (w.has('J') ? w['J'] * unit_ : 0.0);
    } else if (w.has('R')) {
        // The centre sits on the chord's perpendicular bisector; a negative R picks the
        // longer of the two arcs, i.e. the centre on the other side.
        double r = w['R'] * unit_;
        double dx = ex - sx, dy = ey - sy;
        double d = std::hypot(dx, dy);
        if (d == 0 || r == 0) return;
        double h2 = r * r - d * d / 4;
        double h = h2 > 0 ? std::sqrt(h2) : 0.0;
        double side = (clockwise ? -1.0 : 1.0) * (r < 0 ? -1.0 : 1.0);
        cx = (sx + ex) / 2 - side * h * dy / d;
        cy = (sy + ey) / 2 + side * h * dx / d;
    } else {
        return;
    }
    double radius = std::hypot(sx - cx, sy - cy);
    if (!(radius > 0) || !std::isfinite(radius)) return;

    double a0 = std::atan2(sy - cy, sx - cx);
    double sweep = turn(a0, std::atan2(ey - cy, ex - cx), clockwise);
    if (sweep < 1e-9) sweep = 2 * std::numbers::pi;  // same start and end: a full circle

    static constexpr double quadrant[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    for (int k = 0; k < 4; ++k) {
        if (turn(a0, k * std::numbers::pi / 2, clockwise) > sweep) continue;
        include(0, cx + radius * quadrant[k][0], extruding);
        include(1, cy + radius * quadrant[k][1], extruding);
    }
}

void gcode_motion::home(const gcode_words& w) {
    bool any = w.named('X') || w.named('Y') || w.named('Z');
    for (std::size_t a = 0; a < 3; ++a) {
        if (any && !w.named(axis_letter[a])) continue;
        pos_[a] = 0;
        offset_[a] = 0;
        known_[a] = true;
    }
}

void gcode_motion::set_position(const gcode_words& w) {
    bool any = w.named('X') || w.named('Y') || w.named('Z') || w.named('E');
    for (std::size_t a = 0; a < 3; ++a) {
        if (any && !w.has(axis_letter[a])) continue;
        double v = any ? w[axis_letter[a]] * unit_ : 0.0;
        // On a known axis the machine does not move: the shift goes into the offset. On an
        // unknown one G92 is all we will ever learn, so it defines the frame.
        if (known_[a]) offset_[a] += pos_[a] - v;
        known_[a] = true;
        pos_[a] = v;
    }
    if (!any) e_ = 0;
    else if (w.has('E')) e_ = w['E'] * unit_;
}

void gcode_motion::select_tool(std::uint64_t tool) {
    if (tool >= net_e_.size()) return;
    tool_ = static_cast<std::size_t>(tool);
    tools_seen_ = std::max(tools_seen_, tool_ + 1);
}

void gcode_motion::fill(gcode_analysis& out) const {
    out.move_box = move_box_;
    out.extrusion_box = extrusion_box_;
    out.extruded_mm_per_tool.clear();
    out.extruded_mm = 0;
    if (!any_e_) return;
    out.extruded_mm_per_tool.assign(peak_e_.begin(), peak_e_.begin() + static_cast<std::ptrdiff_t>(tools_seen_));
    for (double v : out.extruded_mm_per_tool) out.extruded_mm += v;
}

}  // namespace printgate::printer
