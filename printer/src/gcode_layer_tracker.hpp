#pragma once
// Layers, from the slicer's comments when it writes them and otherwise from the moves: a new
// Z at which the file extrudes. Both are tracked at once because a file only reveals at its
// first layer comment which kind it is (start G-code purge lines extrude before it).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "printgate/printer/gcode_analysis.hpp"

namespace printgate::printer {

class gcode_layer_tracker {
public:
    explicit gcode_layer_tracker(std::size_t max_layers);

    // `comment` is a comment's text after ';' and leading blanks. False when it is not a
    // layer comment. `change` is set when the comment starts a layer whose Z is known.
    bool comment(std::string_view comment, std::optional<layer_change>& change);

    // Every G-code command: HEIGHT comments only describe a layer before its first command.
    void command() { awaiting_height_ = false; }

    // After a move: the logical Z, whether the line named Z, and whether it extruded while
    // moving in X/Y.
    std::optional<layer_change> move(double z, bool z_given, bool extruding);

    std::optional<layer_change> current() const { return current_; }

    void fill(gcode_analysis& out) const;

private:
    struct layer_list {
        std::vector<gcode_layer> layers;
        std::uint64_t count = 0;
        std::optional<double> first_z;
        std::optional<double> last_z;

        void add(double z, std::optional<double> height, std::size_t max_layers);
    };

    void marker(std::optional<layer_change>& change);
    layer_change resolve(double z);

    std::size_t max_layers_;
    layer_list by_comment_;
    layer_list by_z_;
    bool comment_seen_ = false;     // from now on only comment layers are reported
    bool pending_ = false;          // a layer comment whose Z is not known yet
    bool awaiting_height_ = false;  // a HEIGHT comment may still describe the newest layer
    std::optional<double> pending_height_;
    std::optional<double> z_layer_z_;
    double z_ = 0;
    std::optional<layer_change> current_;
};

}  // namespace printgate::printer
