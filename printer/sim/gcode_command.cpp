#include "gcode_command.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace printgate::sim {
namespace {

bool starts_number(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.';
}

}  // namespace

std::size_t gcode_command::index(char param) {
    const int up = std::toupper(static_cast<unsigned char>(param));
    return (up >= 'A' && up <= 'Z') ? static_cast<std::size_t>(up - 'A') : 26;
}

bool gcode_command::has(char param) const {
    const auto i = index(param);
    return i < 26 && present_[i];
}

std::optional<double> gcode_command::value(char param) const {
    const auto i = index(param);
    return i < 26 ? values_[i] : std::nullopt;
}

gcode_command gcode_command::parse(std::string_view text) {
    gcode_command cmd;
    cmd.text_ = std::string(text);
    const std::string& s = cmd.text_;
    std::size_t i = 0;
    if (!s.empty() && std::isalpha(static_cast<unsigned char>(s[0])) && s.size() > 1 &&
        std::isdigit(static_cast<unsigned char>(s[1]))) {
        cmd.letter_ = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
        i = 1;
        long code = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && code < 100000)
            code = code * 10 + (s[i++] - '0');
        cmd.code_ = static_cast<int>(code);
    }
    const auto arg = s.find_first_not_of(" \t", i);
    if (arg != std::string::npos) cmd.argument_ = s.substr(arg);
    while (i < s.size()) {
        const auto p = index(s[i]);
        if (p == 26) {
            ++i;
            continue;
        }
        cmd.present_[p] = true;
        ++i;
        if (i < s.size() && starts_number(s[i])) {
            char* end = nullptr;
            const double v = std::strtod(s.c_str() + i, &end);
            const auto used = static_cast<std::size_t>(end - (s.c_str() + i));
            if (used > 0 && std::isfinite(v)) cmd.values_[p] = v;
            i += used > 0 ? used : 1;
        }
    }
    return cmd;
}

}  // namespace printgate::sim
