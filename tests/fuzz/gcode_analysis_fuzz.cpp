// G-code files come from uploads and URLs. Whatever the bytes and however they are cut into
// chunks, the analyzer must not crash, must stay within its limits, and must reach the same
// result through feed() in any chunking and through feed_line().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "printgate/printer/gcode_analysis.hpp"

using printgate::printer::gcode_analysis;
using printgate::printer::gcode_analysis_limits;
using printgate::printer::gcode_analyzer;

namespace {

// Small limits so that short inputs reach every bound.
gcode_analysis_limits small_limits() {
    gcode_analysis_limits l;
    l.max_line_bytes = 200;
    l.max_layers = 8;
    l.max_thumbnails = 2;
    l.max_thumbnail_bytes = 1024;
    l.max_tools = 3;
    l.max_problems = 4;
    return l;
}

void check(bool ok) {
    if (!ok) std::abort();
}

void check_bounds(const gcode_analysis& a, const gcode_analysis_limits& l) {
    check(a.layers.size() <= l.max_layers && a.layers.size() <= a.layer_count);
    check(a.thumbnails.size() <= l.max_thumbnails);
    for (const auto& t : a.thumbnails) check(t.data.size() <= l.max_thumbnail_bytes);
    check(a.problems.size() <= l.max_problems);
    check(a.extruded_mm_per_tool.size() <= l.max_tools);
    check(a.estimates.filament_mm_per_extruder.size() <= l.max_tools);
    check(a.slicer.size() <= 64 && a.slicer_version.size() <= 64 && a.flavor.size() <= 64);
    check(a.oversized_lines <= a.lines && a.commands + a.unrecognized_lines <= a.lines);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const gcode_analysis_limits limits = small_limits();
    std::string_view text(reinterpret_cast<const char*>(data), size);

    gcode_analyzer whole(limits);
    whole.feed(text);
    gcode_analysis expected = whole.finish();
    check_bounds(expected, limits);
    check(expected.bytes == size);

    // Chunk sizes from 1 to 97 bytes, drawn from the input itself so a crash reproduces.
    gcode_analyzer chunked(limits);
    std::uint32_t state = size > 0 ? data[0] : 1u;
    for (std::size_t at = 0; at < size;) {
        state = state * 1103515245u + 12345u;
        std::size_t n = 1 + (state >> 16) % 97;
        if (n > size - at) n = size - at;
        chunked.feed(text.substr(at, n));
        at += n;
    }
    check(chunked.finish() == expected);

    gcode_analyzer by_line(limits);
    for (std::size_t at = 0; at < size;) {
        std::size_t nl = text.find('\n', at);
        if (nl == std::string_view::npos) nl = size;
        by_line.feed_line(text.substr(at, nl - at));
        at = nl + 1;
    }
    gcode_analysis lines = by_line.finish();
    if (size > 0 && text.back() != '\n') lines.bytes -= 1;  // feed_line assumes every '\n'
    check(lines == expected);
    return 0;
}
