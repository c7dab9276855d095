#pragma once
// One command split into its code (G1, M104, T0) and its letter parameters.
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace printgate::sim {

class gcode_command {
public:
    static gcode_command parse(std::string_view text);

    char letter() const { return letter_; }  // 'G', 'M', 'T'; 0 when there is no code
    int code() const { return code_; }
    bool is(char letter, int code) const { return letter_ == letter && code_ == code; }
    const std::string& text() const { return text_; }
    // Everything after the code, trimmed: M23's file name, M117's message.
    const std::string& argument() const { return argument_; }

    bool has(char param) const;
    std::optional<double> value(char param) const;
    double value_or(char param, double fallback) const { return value(param).value_or(fallback); }

private:
    static std::size_t index(char param);

    char letter_ = 0;
    int code_ = -1;
    std::string text_;
    std::string argument_;
    std::array<bool, 26> present_{};
    std::array<std::optional<double>, 26> values_{};
};

}  // namespace printgate::sim
