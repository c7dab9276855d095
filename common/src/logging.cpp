#include "printgate/common/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

namespace printgate {

bool setup_logging(std::string_view program, std::string_view level) {
    auto parsed = spdlog::level::from_str(std::string(level));
    if (parsed == spdlog::level::off && level != "off") return false;
    auto logger = spdlog::stderr_color_mt(std::string(program));
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %n: %v");
    logger->set_level(parsed);
    spdlog::set_default_logger(logger);
    return true;
}

}  // namespace printgate
