#pragma once
#include <string_view>

namespace printgate {

// Configures the default spdlog logger: human-readable lines on stderr with the
// program name, at the given level ("trace" .. "off"). Returns false for an unknown level.
bool setup_logging(std::string_view program, std::string_view level = "info");

}  // namespace printgate
