#include "serial_line.hpp"

#include <cstdlib>

namespace printgate::sim {
namespace {

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t");
    return s.substr(first, last - first + 1);
}

// Marlin's line numbers are 32-bit; clamping keeps last+1 from ever overflowing.
long number_at(std::string_view s, std::size_t pos) {
    const std::string digits(s.substr(pos, 16));
    return clamp_line_number(std::strtol(digits.c_str(), nullptr, 10));
}

}  // namespace

long clamp_line_number(double n) {
    constexpr double low = -2147483648.0, high = 2147483647.0;
    if (!(n >= low)) return static_cast<long>(n > high ? high : low);  // NaN too
    return static_cast<long>(n > high ? high : n);
}

unsigned char gcode_checksum(std::string_view bytes) {
    unsigned char sum = 0;
    for (char c : bytes) sum ^= static_cast<unsigned char>(c);
    return sum;
}

serial_line serial_line::parse(std::string_view line) {
    serial_line out;
    std::string_view body = line;
    const auto star = line.rfind('*');
    if (star != std::string_view::npos) {
        out.has_checksum = true;
        const std::string given(line.substr(star + 1));
        char* end = nullptr;
        const long value = std::strtol(given.c_str(), &end, 10);
        out.checksum_ok = !given.empty() && end == given.c_str() + given.size() &&
                          value == gcode_checksum(line.substr(0, star));
        body = line.substr(0, star);
    }
    if (!body.empty() && body.front() == 'N') {
        out.number = number_at(body, 1);
        out.checked_number = *out.number;
        std::size_t i = 1;
        while (i < body.size() && (body[i] == '-' || (body[i] >= '0' && body[i] <= '9'))) ++i;
        body = body.substr(i);
    }
    body = trim(body);
    out.command = std::string(body);
    out.is_m110 = line.find("M110") != std::string_view::npos;
    if (out.is_m110 && out.number) {
        const auto m110 = body.find("M110");
        const auto n = m110 == std::string_view::npos ? m110 : body.find('N', m110 + 4);
        if (n != std::string_view::npos) out.checked_number = number_at(body, n + 1);
    }
    return out;
}

}  // namespace printgate::sim
