#pragma once
// Assembles serial bytes into command lines the way Marlin's get_serial_commands does:
// CR or LF ends a line, ';' starts a comment that runs to the end of the line, and a line
// longer than the command buffer is cut (the rest is ignored, so its checksum will fail).
#include <optional>
#include <string>

namespace printgate::sim {

class line_reader {
public:
    static constexpr std::size_t max_line = 95;  // Marlin's MAX_CMD_SIZE 96, minus the NUL

    // Returns the finished line (comment removed, whitespace trimmed, never empty) when c
    // ends one.
    std::optional<std::string> feed(char c);
    void clear();

private:
    std::string line_;
    bool in_comment_ = false;
};

}  // namespace printgate::sim
