#pragma once
// What Marlin's get_serial_commands looks at in one received line: its line number, whether
// it is an M110, and whether its checksum holds.
#include <optional>
#include <string>
#include <string_view>

namespace printgate::sim {

struct serial_line {
    std::optional<long> number;  // the leading N, as sent
    // The number validated against last+1: for "N5 M110 N0" it is 0, as in Marlin.
    long checked_number = 0;
    bool is_m110 = false;
    bool has_checksum = false;
    bool checksum_ok = false;
    std::string command;  // without the N prefix and the checksum

    // Parses a line that line_reader produced (trimmed, comment removed, not empty).
    static serial_line parse(std::string_view line);
};

// Line numbers are 32-bit in Marlin; anything outside is pinned to the nearest end.
long clamp_line_number(double n);

// XOR of every byte, the checksum a host appends after '*'.
unsigned char gcode_checksum(std::string_view bytes);

}  // namespace printgate::sim
