#pragma once
// One line from the firmware, classified. The serial link is untrusted input: a
// line is parsed into a value, never throws, and anything unrecognised is `other`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::printer {

// One heater in a temperature report: "T0", "T1", "B" (bed), "C" (chamber).
struct heater_reading {
    std::string name;
    double actual = 0;
    std::optional<double> target;
    bool operator==(const heater_reading&) const = default;
};

// Parses a temperature report ("T:210.0 /210.0 B:60.1 /60.0 T0:... @:127", "ok T:..",
// "T:25.0 E:0 W:?"). Returns nothing when the line carries no reading.
std::optional<std::vector<heater_reading>> parse_temperatures(std::string_view line);

struct axis_position {
    double x = 0, y = 0, z = 0, e = 0;
};
// "X:10.00 Y:20.00 Z:0.30 E:5.00 Count X:..." (the M114 answer).
std::optional<axis_position> parse_position(std::string_view line);

struct firmware_reply {
    enum class kind {
        ok,             // command processed; may carry N/P/B (ADVANCED_OK) and temperatures
        resend,         // "Resend: N" / "rs N"
        busy,           // "echo:busy: processing" (host keepalive)
        wait,           // "wait": the firmware's queue is empty
        start,          // boot banner: the firmware (re)started
        error,          // "Error:..." that does not stop the firmware
        fatal,          // the firmware halted or will halt ("kill() called", "!!", thermal runaway)
        action,         // "// action:NAME ARGS"
        temperature,    // autoreport or M109/M190 wait line
        firmware_info,  // "FIRMWARE_NAME:..." (M115)
        capability,     // "Cap:NAME:0|1"
        other,
    };
    kind what = kind::other;
    std::uint32_t line_number = 0;      // resend, ok N (ADVANCED_OK)
    bool has_line_number = false;
    int planner_free = -1;              // ok P (ADVANCED_OK), -1 when absent
    int buffer_free = -1;               // ok B (ADVANCED_OK), -1 when absent
    std::string text;                   // error / action / capability name / busy reason
    std::string argument;               // action argument
    bool flag = false;                  // capability value
};

firmware_reply parse_reply(std::string_view line);

// Key/value pairs of an M115 answer: "FIRMWARE_NAME:Marlin 2.1 (x) PROTOCOL_VERSION:1.0".
std::vector<std::pair<std::string, std::string>> parse_firmware_info(std::string_view line);

}  // namespace printgate::printer
