#include "line_reader.hpp"

namespace printgate::sim {

std::optional<std::string> line_reader::feed(char c) {
    if (c == '\n' || c == '\r') {
        std::string line;
        line.swap(line_);
        in_comment_ = false;
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos) return std::nullopt;
        const auto last = line.find_last_not_of(" \t");
        return line.substr(first, last - first + 1);
    }
    if (in_comment_) return std::nullopt;
    if (c == ';') {
        in_comment_ = true;
        return std::nullopt;
    }
    if (line_.size() < max_line) line_.push_back(c);
    return std::nullopt;
}

void line_reader::clear() {
    line_.clear();
    in_comment_ = false;
}

}  // namespace printgate::sim
