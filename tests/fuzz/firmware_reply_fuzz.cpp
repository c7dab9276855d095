// Bytes from the serial port are untrusted: every parser of a firmware line must
// survive anything, and the host's line splitter must too.
#include "printgate/printer/firmware_reply.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace printgate::printer;
    std::string_view all(reinterpret_cast<const char*>(data), size);
    while (!all.empty()) {
        auto nl = all.find('\n');
        std::string_view line = all.substr(0, nl);
        auto r = parse_reply(line);
        (void)r;
        (void)parse_temperatures(line);
        (void)parse_position(line);
        (void)parse_firmware_info(line);
        if (nl == std::string_view::npos) break;
        all.remove_prefix(nl + 1);
    }
    return 0;
}
