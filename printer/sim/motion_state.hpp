#pragma once
// The G-code interpreter's view of position: absolute/relative modes, G92 offsets, the
// sticky feedrate and the M220 override.
#include <chrono>

#include "axes.hpp"
#include "gcode_command.hpp"

namespace printgate::sim {

class motion_state {
public:
    struct move {
        axes from;
        axes to;
        std::chrono::steady_clock::duration duration{};
        bool moves = false;  // false for a move of length zero (only F, say)
    };

    // G0/G1/G2/G3: the new position becomes current. Arcs are timed as their chord.
    move linear(const gcode_command& cmd);
    void set_position(const gcode_command& cmd);                // G92
    void home(const gcode_command& cmd);                        // G28: the named axes (all when none) to 0
    void set_relative(bool relative) { relative_ = relative; }  // G91 / G90
    void set_relative_e(bool relative) { relative_e_ = relative; }      // M83 / M82
    void set_feed_percent(double percent) { feed_percent_ = percent; }  // M220
    void set_current(const axes& where) { position_ = where; }          // after a quick stop
    const axes& position() const { return position_; }
    void reset() { *this = motion_state{}; }

private:
    axes position_{};
    bool relative_ = false;
    bool relative_e_ = false;
    double feed_mm_min_ = 1500;  // Marlin's default feedrate
    double feed_percent_ = 100;
};

}  // namespace printgate::sim
