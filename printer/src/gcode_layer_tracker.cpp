#include "gcode_layer_tracker.hpp"

#include <cmath>

#include "gcode_text.hpp"

namespace printgate::printer {
namespace {

// Below this a Z difference is float noise from the slicer, not a new layer.
constexpr double z_epsilon = 1e-4;

bool take_prefix(std::string_view& s, std::string_view prefix) {
    if (!s.starts_with(prefix)) return false;
    s.remove_prefix(prefix.size());
    return true;
}

bool layer_index(std::string_view text) {
    text = gcode_text::trim(text);
    if (text.starts_with('-')) text.remove_prefix(1);  // Cura numbers raft layers below 0
    std::uint64_t n;
    return gcode_text::parse_unsigned(text, n);
}

}  // namespace

void gcode_layer_tracker::layer_list::add(double z, std::optional<double> height, std::size_t max_layers) {
    double h = height ? *height : (count == 0 || z - *last_z <= 0 ? z : z - *last_z);
    if (layers.size() < max_layers) layers.push_back({z, h});
    ++count;
    if (!first_z) first_z = z;
    last_z = z;
}

gcode_layer_tracker::gcode_layer_tracker(std::size_t max_layers) : max_layers_(max_layers) {}

bool gcode_layer_tracker::comment(std::string_view c, std::optional<layer_change>& change) {
    if (c.empty()) return false;
    double value;
    switch (c.front()) {
    case 'L':
        if (c == "LAYER_CHANGE") {  // PrusaSlicer, SuperSlicer, OrcaSlicer
            marker(change);
            return true;
        }
        if (take_prefix(c, "LAYER:")) {  // Cura, ideaMaker
            if (!layer_index(c)) return false;
            marker(change);
            return true;
        }
        if (take_prefix(c, "LAYER_HEIGHT:")) break;  // BambuStudio
        return false;
    case 'C':
        if (c == "CHANGE_LAYER") {  // BambuStudio
            marker(change);
            return true;
        }
        return false;
    case 'Z':
        if (take_prefix(c, "Z:") || take_prefix(c, "Z_HEIGHT:")) {
            if (pending_ && gcode_text::parse_number(c, value)) change = resolve(value);
            return true;
        }
        return false;
    case 'H':
        if (take_prefix(c, "HEIGHT:")) break;
        return false;
    case 'l': {
        // Simplify3D: "layer 12, Z = 2.450"
        if (!take_prefix(c, "layer ")) return false;
        auto comma = c.find(',');
        if (comma == std::string_view::npos || !layer_index(c.substr(0, comma))) return false;
        std::string_view rest = gcode_text::trim(c.substr(comma + 1));
        if (!take_prefix(rest, "Z")) return false;
        rest = gcode_text::trim_left(rest);
        if (!take_prefix(rest, "=") || !gcode_text::parse_number(rest, value)) return false;
        marker(change);
        change = resolve(value);
        return true;
    }
    default: return false;
    }

    // A layer height (HEIGHT: or LAYER_HEIGHT:). PrusaSlicer repeats HEIGHT at extrusion role
    // changes inside a layer; only the one right after the layer comment describes the layer.
    if (!awaiting_height_ || !gcode_text::parse_number(c, value) || value <= 0) return true;
    if (pending_) {
        pending_height_ = value;
    } else if (!by_comment_.layers.empty() && by_comment_.layers.size() == by_comment_.count) {
        by_comment_.layers.back().height = value;
    }
    return true;
}

void gcode_layer_tracker::marker(std::optional<layer_change>& change) {
    // A previous layer comment that never learnt its Z still was a layer.
    if (pending_) change = resolve(z_);
    pending_ = true;
    comment_seen_ = true;
    awaiting_height_ = true;
    pending_height_.reset();
}

layer_change gcode_layer_tracker::resolve(double z) {
    pending_ = false;
    layer_change change{by_comment_.count, z};
    by_comment_.add(z, pending_height_, max_layers_);
    pending_height_.reset();
    current_ = change;
    return change;
}

std::optional<layer_change> gcode_layer_tracker::move(double z, bool z_given, bool extruding) {
    z_ = z;
    std::optional<layer_change> change;
    if (pending_ && (z_given || extruding)) change = resolve(z);
    if (extruding && (!z_layer_z_ || std::fabs(z - *z_layer_z_) > z_epsilon)) {
        z_layer_z_ = z;
        layer_change by_z{by_z_.count, z};
        by_z_.add(z, std::nullopt, max_layers_);
        if (!comment_seen_) change = current_ = by_z;
    }
    return change;
}

void gcode_layer_tracker::fill(gcode_analysis& out) const {
    const layer_list* source = nullptr;
    if (comment_seen_ && by_comment_.count > 0) {
        source = &by_comment_;
        out.layers_from = layer_source::slicer_comments;
    } else if (by_z_.count > 0) {
        source = &by_z_;
        out.layers_from = layer_source::z_changes;
    } else {
        out.layers_from = layer_source::none;
        return;
    }
    out.layer_count = source->count;
    out.layers = source->layers;
    out.first_layer_z = source->first_z;
    out.last_layer_z = source->last_z;
}

}  // namespace printgate::printer
