#pragma once
// G-code lines as the host sends them: comments stripped, numbered, checksummed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace printgate::printer {

// XOR of every byte, the checksum Marlin and RepRap firmware check after '*'.
std::uint8_t gcode_checksum(std::string_view text);

// "N<number> <command>*<checksum>\n".
std::string numbered_line(std::uint32_t number, std::string_view command);
// numbered_line(number, command).size(), without building it.
std::size_t numbered_line_size(std::uint32_t number, std::string_view command);

// The command part of a file or user line: comments (';' to end of line) removed, blank
// space trimmed, a trailing checksum dropped. Empty for blank and comment-only lines.
std::string_view strip_gcode(std::string_view line);

// The command word in upper case without leading zeros, e.g. "G1", "M109", "T0";
// empty when the line has none.
std::string command_word(std::string_view command);

// Commands that may legitimately keep the firmware from answering for minutes
// (homing, probing, waiting for heat, for moves, or for the user).
bool is_long_running(std::string_view word);

// A G0-G3 move without the blanks between its words ("G1 X1.5 Y2 E.03" -> "G1X1.5Y2E.03"):
// the same command in fewer bytes on a slow serial link. Other commands (their arguments
// may be text: file names, messages) come back unchanged.
std::string compact_move(std::string_view command);

// The numeric value of a parameter letter in a command ("S" of "M104 S210"), if present.
bool find_parameter(std::string_view command, char letter, double& value);

}  // namespace printgate::printer
