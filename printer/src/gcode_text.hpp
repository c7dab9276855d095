#pragma once
// Small text helpers shared by the G-code analysis pieces. Inline because they run on every
// line of files that are hundreds of megabytes long.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "printgate/printer/gcode_analysis.hpp"

namespace printgate::printer::gcode_text {

inline bool is_space(char c) { return c == ' ' || c == '\t'; }
inline bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }
inline char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

inline std::string_view trim_left(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && is_space(s[i])) ++i;
    return s.substr(i);
}

inline std::string_view trim(std::string_view s) {
    s = trim_left(s);
    while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Coordinates beyond a kilometre are nonsense; refusing them keeps every sum finite.
inline constexpr double max_abs_value = 1e9;

// A decimal number without exponent ("X1E5" is X=1, E=5 in G-code), optional sign. Advances
// `p` past it; false (p unchanged) when there is none or it is not a sane finite value.
inline bool parse_decimal(const char*& p, const char* end, double& out) {
    // Fast path for what slicers write (at most 15 significant digits, no exponent): the
    // integer mantissa and the power of ten are both exact, so one division rounds exactly as
    // std::from_chars would.
    static constexpr double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char* q = p;
    bool negative = false;
    if (q < end && (*q == '-' || *q == '+')) {
        negative = *q == '-';
        ++q;
    }
    const char* digits_start = q;
    std::uint64_t mantissa = 0;
    int digits = 0;
    while (q < end && is_digit(*q)) {
        mantissa = mantissa * 10 + static_cast<unsigned>(*q - '0');
        ++digits;
        ++q;
    }
    int fraction = 0;
    if (q < end && *q == '.') {
        ++q;
        while (q < end && is_digit(*q)) {
            mantissa = mantissa * 10 + static_cast<unsigned>(*q - '0');
            ++digits;
            ++fraction;
            ++q;
        }
    }
    if (digits == 0) return false;
    double value;
    if (digits <= 15) {
        value = static_cast<double>(mantissa) / pow10[fraction];
    } else {
        // Rare: long digit strings. from_chars does the exact conversion (fixed: no exponent).
        auto [ptr, ec] = std::from_chars(digits_start, q, value, std::chars_format::fixed);
        if (ec != std::errc() || ptr != q) return false;
    }
    if (!(std::fabs(value) <= max_abs_value)) return false;
    out = negative ? -value : value;
    p = q;
    return true;
}

// The whole of `text` (trimmed) as a number; false for anything else.
inline bool parse_number(std::string_view text, double& out) {
    text = trim(text);
    const char* p = text.data();
    const char* end = p + text.size();
    return parse_decimal(p, end, out) && p == end;
}

inline bool parse_unsigned(std::string_view text, std::uint64_t& out) {
    text = trim(text);
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

// Problems are for people reading a file's details: keep a few, never an unbounded list.
inline void add_problem(gcode_analysis& out, std::size_t max_problems, std::string message) {
    if (out.problems.size() < max_problems) out.problems.push_back(std::move(message));
}

}  // namespace printgate::printer::gcode_text
