#pragma once
// Resume an interrupted job from the start of the layer it stopped in (the last completed
// layer is kept, the interrupted one is printed again). Opt-in only: the owner must confirm,
// because the machine lost its Z reference and the part may have cooled off the bed.
//
// The preamble reheats (bed, then hotend, waiting for both), declares the Z where the nozzle
// stopped (G92: Z is never homed, the nozzle would crash into the print), lifts, homes X and Y
// only, restores the extrusion mode and position, the fan and the feed rate, and goes down to
// the layer's Z. The rest of the file follows from the layer's first line.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace printgate::edge {

struct resume_plan {
    std::uint64_t layer_index = 0;  // 0-based
    double layer_z = 0;
    std::uint64_t start_line = 0;  // 1-based line of the file where the resumed part starts
    double stop_z = 0;             // where the nozzle is believed to be
    double e_position = 0;         // E at the layer start (absolute mode)
    bool relative_e = false;
    double hotend_temp = 0, bed_temp = 0;
    std::optional<double> fan;       // M106 S value
    std::optional<double> feedrate;  // mm/min
    std::string preamble;            // G-code, ends with '\n'
    std::vector<std::string> warnings;
};

// Reads the file once (bounded lines). `interrupted_line` is the last acknowledged line.
std::optional<resume_plan> plan_resume(const std::filesystem::path& file, std::uint64_t interrupted_line,
                                       std::optional<double> interrupted_z, std::string& why);

// Writes preamble + the file from start_line into `target` (temporary name, fsync, rename).
bool write_resume_file(const std::filesystem::path& source, const resume_plan& plan,
                       const std::filesystem::path& target, std::string& why);

}  // namespace printgate::edge
