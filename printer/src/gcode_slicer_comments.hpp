#pragma once
// What slicers write about their output in comments: who made the file and what they
// estimate (time, filament). Layer comments are the layer tracker's business.
#include <string_view>

#include "printgate/printer/gcode_analysis.hpp"

namespace printgate::printer {

// `comment` is a comment's text after ';' and leading blanks. Fills the slicer fields of
// `out` that are still unset; unknown comments are ignored.
void apply_slicer_comment(std::string_view comment, gcode_analysis& out,
                          const gcode_analysis_limits& limits);

// "1d 2h 3m 4s", "2h 5m", "45s", "1 hours 2 minutes", "3600": seconds, or false.
bool parse_duration(std::string_view text, double& seconds);

}  // namespace printgate::printer
