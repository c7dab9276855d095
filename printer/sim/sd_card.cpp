#include "sd_card.hpp"

#include <algorithm>
#include <cctype>

namespace printgate::sim {
namespace {

bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

std::vector<sd_card::entry> sd_card::list() const {
    std::vector<entry> out;
    for (const auto& [name, content] : files_) out.push_back({name, content.size()});
    return out;
}

std::optional<sd_card::entry> sd_card::select(std::string_view name) {
    if (!name.empty() && name.front() == '/') name.remove_prefix(1);  // the card is flat
    for (const auto& [stored, content] : files_) {
        if (!same_name(stored, name)) continue;
        selected_ = &content;
        state_ = state::idle;
        position_ = 0;
        return entry{stored, content.size()};
    }
    return std::nullopt;
}

void sd_card::start_or_resume() {
    if (!selected_) return;
    state_ = state::printing;
}

void sd_card::pause() {
    if (state_ == state::printing) state_ = state::paused;
}

void sd_card::stop() {
    // Like Marlin, a finished or aborted file is closed: M24 needs a new M23.
    state_ = state::idle;
    selected_ = nullptr;
    position_ = 0;
}

std::optional<std::string> sd_card::next_command() {
    if (!selected_) return std::nullopt;
    const std::string& text = *selected_;
    while (position_ < text.size()) {
        auto end = text.find('\n', position_);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + position_, end - position_);
        position_ = std::min(end + 1, text.size());
        if (auto semi = line.find(';'); semi != std::string_view::npos) line = line.substr(0, semi);
        if (auto star = line.find('*'); star != std::string_view::npos) line = line.substr(0, star);
        line = trim(line);
        if (!line.empty() && line.front() == 'N') {
            std::size_t i = 1;
            while (i < line.size() && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
            line = trim(line.substr(i));
        }
        if (!line.empty()) return std::string(line);
    }
    return std::nullopt;
}

}  // namespace printgate::sim
