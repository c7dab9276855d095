#include "printgate/printer/gcode_line.hpp"

#include <array>
#include <cctype>
#include <charconv>

namespace printgate::printer {

std::uint8_t gcode_checksum(std::string_view text) {
    std::uint8_t cs = 0;
    for (char c : text) cs ^= static_cast<std::uint8_t>(c);
    return cs;
}

std::string numbered_line(std::uint32_t number, std::string_view command) {
    // Built in one string with one allocation: it runs for every line of every print.
    std::array<char, 10> digits{};
    const auto number_end = std::to_chars(digits.data(), digits.data() + digits.size(), number).ptr;
    std::string line;
    line.reserve(1 + digits.size() + 1 + command.size() + 5);
    line += 'N';
    line.append(digits.data(), number_end);
    line += ' ';
    line += command;
    std::array<char, 3> sum{};
    const auto sum_end = std::to_chars(sum.data(), sum.data() + sum.size(), unsigned{gcode_checksum(line)}).ptr;
    line += '*';
    line.append(sum.data(), sum_end);
    line += '\n';
    return line;
}

std::size_t numbered_line_size(std::uint32_t number, std::string_view command) {
    auto digits = [](unsigned v) {
        std::size_t n = 1;
        for (; v >= 10; v /= 10) ++n;
        return n;
    };
    // The checksum covers "N<number> <command>": the number's digits and the blank too.
    std::uint8_t cs = static_cast<std::uint8_t>('N' ^ ' ') ^ gcode_checksum(command);
    for (unsigned v = number;; v /= 10) {
        cs ^= static_cast<std::uint8_t>('0' + v % 10);
        if (v < 10) break;
    }
    return 1 + digits(number) + 1 + command.size() + 1 + digits(cs) + 1;
}

std::string compact_move(std::string_view command) {
    const bool move = command.size() >= 2 && (command[0] == 'G' || command[0] == 'g') && command[1] >= '0' &&
                      command[1] <= '3' && (command.size() == 2 || command[2] == ' ' || command[2] == '\t');
    if (!move) return std::string(command);
    std::string out;
    out.reserve(command.size());
    for (char c : command)
        if (c != ' ' && c != '\t') out.push_back(c);
    return out;
}

namespace {
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0'; }
}  // namespace

std::string_view strip_gcode(std::string_view line) {
    if (auto semi = line.find(';'); semi != std::string_view::npos) line = line.substr(0, semi);
    if (auto star = line.find('*'); star != std::string_view::npos) line = line.substr(0, star);
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    return line;
}

std::string command_word(std::string_view command) {
    // Skip a line number the user may have typed ("N12 G1 ...").
    if (!command.empty() && (command[0] == 'N' || command[0] == 'n')) {
        auto space = command.find(' ');
        command = space == std::string_view::npos ? std::string_view{} : command.substr(space + 1);
    }
    std::string word;
    if (command.empty() || !std::isalpha(static_cast<unsigned char>(command[0]))) return word;
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(command[0]))));
    std::size_t i = 1;
    while (i < command.size() && command[i] == '0' && i + 1 < command.size() &&
           std::isdigit(static_cast<unsigned char>(command[i + 1])))
        ++i;
    for (; i < command.size() && (std::isdigit(static_cast<unsigned char>(command[i])) || command[i] == '.'); ++i)
        word.push_back(command[i]);
    return word;
}

bool is_long_running(std::string_view word) {
    static constexpr std::array<std::string_view, 11> words = {
        "G4", "G28", "G29", "G30", "G32", "M109", "M190", "M191", "M303", "M400", "M600"};
    for (auto w : words)
        if (w == word) return true;
    return false;
}

bool find_parameter(std::string_view command, char letter, double& value) {
    // Parameters follow the command word, separated by spaces: "M104 T1 S210".
    auto space = command.find(' ');
    while (space != std::string_view::npos) {
        std::size_t at = space + 1;
        while (at < command.size() && command[at] == ' ') ++at;
        if (at < command.size() && std::toupper(static_cast<unsigned char>(command[at])) == letter) {
            const char* first = command.data() + at + 1;
            const char* last = command.data() + command.size();
            if (first < last && *first == '+') ++first;
            auto [ptr, ec] = std::from_chars(first, last, value);
            return ec == std::errc{} && ptr != first;
        }
        space = command.find(' ', at);
    }
    return false;
}

}  // namespace printgate::printer
