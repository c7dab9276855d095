// The JSON command parser: any bytes give a command or an error naming a field; a
// command's G-code is bounded and never carries a line break into the printer.
#include "printgate/edge/command_protocol.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    printgate::edge::printer_profile profile;
    auto r = printgate::edge::parse_command(std::string_view(reinterpret_cast<const char*>(data), size), profile);
    if (r.command) {
        if (r.command->gcode.size() > 3) std::abort();
        for (const auto& line : r.command->gcode)
            if (line.find('\n') != std::string::npos || line.find('\r') != std::string::npos || line.size() > 200) std::abort();
    } else if (r.error.message.empty()) {
        std::abort();
    }
    return 0;
}
