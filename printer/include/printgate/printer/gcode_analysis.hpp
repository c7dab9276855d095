#pragma once
// One streaming pass over a G-code file: what the slicer says about it (name, estimates,
// thumbnails) and what the moves themselves say (bounding boxes, layers, extrusion per tool).
// The bytes are untrusted (uploads, downloads from URLs), so every list has a hard bound,
// memory does not grow with the file, and bad input is counted or reported, never thrown.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace printgate::printer {

// Hard bounds; the defaults suit real files, tests shrink them.
struct gcode_analysis_limits {
    std::size_t max_line_bytes = 64 * 1024;           // longer lines are counted and skipped
    std::size_t max_layers = 100'000;                 // beyond this, layers are only counted
    std::size_t max_thumbnails = 8;
    std::size_t max_thumbnail_bytes = 2 * 1024 * 1024;  // decoded size
    std::size_t max_tools = 16;                       // T0..T15; other tool numbers are ignored
    std::size_t max_problems = 32;                    // human-readable notes kept
};

enum class thumbnail_format : std::uint8_t { png, jpg, qoi };
std::string_view to_string(thumbnail_format format);

struct gcode_thumbnail {
    thumbnail_format format = thumbnail_format::png;
    std::uint32_t width = 0;   // from the image's own header (checked against the block's)
    std::uint32_t height = 0;
    std::vector<std::uint8_t> data;  // the decoded PNG / JPEG / QOI file

    bool operator==(const gcode_thumbnail&) const = default;
};

struct axis_range {
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();

    bool empty() const { return min > max; }
    double size() const { return empty() ? 0.0 : max - min; }
    bool operator==(const axis_range&) const = default;
};

// In millimetres, in machine coordinates (G92 shifts do not move the box).
// An axis whose position was never known (no G28, no absolute coordinate) stays empty.
struct bounding_box {
    axis_range x, y, z;

    bool empty() const { return x.empty() && y.empty() && z.empty(); }
    bool operator==(const bounding_box&) const = default;
};

struct gcode_layer {
    double z = 0;       // mm, as the file states it
    double height = 0;  // thickness: the slicer's ;HEIGHT: when given, else the Z step

    bool operator==(const gcode_layer&) const = default;
};

enum class layer_source : std::uint8_t {
    none,
    slicer_comments,  // ;LAYER_CHANGE, ;LAYER:n, ; layer n, Z = ..., ; CHANGE_LAYER
    z_changes,        // no layer comments: a new Z at which the file extrudes
};

// What the slicer claims, only when it says so.
struct slicer_estimates {
    std::optional<double> print_time_s;
    std::optional<double> filament_mm;  // total over extruders
    std::optional<double> filament_g;
    std::vector<double> filament_mm_per_extruder;  // when the slicer lists them
    std::vector<double> filament_g_per_extruder;
    std::optional<std::uint64_t> layer_count;  // Cura ;LAYER_COUNT:, Bambu "total layer number"

    bool operator==(const slicer_estimates&) const = default;
};

struct gcode_analysis {
    std::string slicer;          // "PrusaSlicer", "Cura", "OrcaSlicer", "Simplify3D", ... or ""
    std::string slicer_version;  // as written, e.g. "2.7.1+win64"
    std::string flavor;          // Cura ;FLAVOR:
    slicer_estimates estimates;

    layer_source layers_from = layer_source::none;
    std::uint64_t layer_count = 0;    // every layer, even past max_layers
    std::vector<gcode_layer> layers;  // the first max_layers of them
    std::optional<double> first_layer_z;
    std::optional<double> last_layer_z;

    // Start and end points of moves (arcs: their exact extent); homing itself is not a move.
    bounding_box extrusion_box;  // moves that push filament while moving in X/Y
    bounding_box move_box;       // every move, travel included

    // Filament pushed per tool, computed from E: the high-water mark of the net E motion, so
    // retract/unretract pairs cancel and a final retraction does not count.
    std::vector<double> extruded_mm_per_tool;
    double extruded_mm = 0;

    std::uint64_t bytes = 0;
    std::uint64_t lines = 0;
    std::uint64_t commands = 0;            // lines carrying a G, M or T command
    std::uint64_t oversized_lines = 0;     // longer than max_line_bytes, skipped
    std::uint64_t unrecognized_lines = 0;  // neither blank, comment nor a G/M/T command

    std::vector<gcode_thumbnail> thumbnails;  // at most max_thumbnails, well-formed ones only
    std::vector<std::string> problems;        // malformed thumbnails and the like, bounded

    bool operator==(const gcode_analysis&) const = default;
};

// Reported when a line starts a new layer (for the job streamer's progress).
struct layer_change {
    std::uint64_t index = 0;  // 0-based, in file order
    double z = 0;

    bool operator==(const layer_change&) const = default;
};

// Not thread-safe. Either feed() raw bytes or feed_line() one line at a time, not both.
class gcode_analyzer {
public:
    explicit gcode_analyzer(gcode_analysis_limits limits = {});
    ~gcode_analyzer();
    gcode_analyzer(gcode_analyzer&&) noexcept;
    gcode_analyzer& operator=(gcode_analyzer&&) noexcept;

    // Any chunking: a line may be split across calls.
    void feed(std::span<const char> bytes);

    // One line as read from the file, comments included, without its '\n' (a trailing '\r'
    // is ignored). Returns the layer this line starts, if it starts one. The layer's Z is
    // known on the line that states it (;Z:, or the first move of the layer), so that is
    // the line that reports it.
    std::optional<layer_change> feed_line(std::string_view line);

    // The layer the last line belongs to, if any has started.
    std::optional<layer_change> current_layer() const;

    // Ends the file (an unterminated last line counts) and returns the analysis; the
    // analyzer is then as new.
    gcode_analysis finish();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

struct gcode_file_result {
    std::optional<gcode_analysis> analysis;  // set on success
    std::error_code error;                   // why the file could not be read

    explicit operator bool() const { return analysis.has_value(); }
};

// Reads the file in 1 MiB chunks; never holds the whole file.
gcode_file_result analyze_gcode_file(const std::filesystem::path& path,
                                     gcode_analysis_limits limits = {});

}  // namespace printgate::printer
