#pragma once
// Where the nozzle goes: positions under G90/G91, M82/M83, G92, G20/G21 and G28, arcs, the
// two bounding boxes and the filament pushed per tool.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "printgate/printer/gcode_analysis.hpp"

namespace printgate::printer {

// The parameters of one command line: a value per letter A..Z, when it has one.
struct gcode_words {
    std::uint32_t present = 0;  // letter written, with or without a number ("G28 X")
    std::uint32_t valued = 0;   // letter written with a usable number
    std::array<double, 26> value{};

    static constexpr std::uint32_t bit(char letter) { return 1u << (letter - 'A'); }
    bool has(char letter) const { return (valued & bit(letter)) != 0; }
    bool named(char letter) const { return (present & bit(letter)) != 0; }
    double operator[](char letter) const { return value[static_cast<std::size_t>(letter - 'A')]; }
};

class gcode_motion {
public:
    explicit gcode_motion(std::size_t max_tools);

    struct move_result {
        bool z_given = false;
        bool extruding = false;  // pushed filament while moving in X/Y
    };
    // G0/G1 (linear) or G2/G3 (arc, `clockwise` for G2).
    move_result line(const gcode_words& w) { return move(w, false, false); }
    move_result arc(const gcode_words& w, bool clockwise) { return move(w, true, clockwise); }

    void home(const gcode_words& w);          // G28
    void set_position(const gcode_words& w);  // G92
    void set_relative(bool relative) {        // G90/G91: also reset M82/M83, as Marlin does
        relative_ = relative;
        e_mode_ = e_mode::follow_axes;
    }
    void set_e_relative(bool relative) { e_mode_ = relative ? e_mode::relative : e_mode::absolute; }
    void set_inches(bool inches) { unit_ = inches ? 25.4 : 1.0; }
    void set_plane(int plane) { plane_ = plane; }  // 17 (XY), 18, 19
    void select_tool(std::uint64_t tool);

    double z() const { return pos_[2]; }

    void fill(gcode_analysis& out) const;

private:
    enum class e_mode : std::uint8_t { follow_axes, absolute, relative };

    move_result move(const gcode_words& w, bool is_arc, bool clockwise);
    void include_arc(const std::array<double, 3>& from, const std::array<double, 3>& to,
                     const gcode_words& w, bool clockwise, bool extruding);
    void include(int axis, double logical, bool extruding);

    std::array<double, 3> pos_{};     // logical, mm
    std::array<double, 3> offset_{};  // machine = logical + offset (moved by G92)
    std::array<bool, 3> known_{};
    double e_ = 0;
    double unit_ = 1.0;
    bool relative_ = false;
    e_mode e_mode_ = e_mode::follow_axes;
    int plane_ = 17;

    std::size_t tool_ = 0;
    std::size_t tools_seen_ = 1;
    bool any_e_ = false;
    std::vector<double> net_e_;   // per tool: sum of E motion
    std::vector<double> peak_e_;  // per tool: high-water mark of net_e_

    bounding_box extrusion_box_;
    bounding_box move_box_;
};

}  // namespace printgate::printer
