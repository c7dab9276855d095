#include "cookie_filter.hpp"

namespace printgate::relay {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != prefix[i]) return false;
    return true;
}

}  // namespace

bool is_relay_cookie(std::string_view name) {
    name = trim(name);
    constexpr std::string_view base = "__host-printgate";
    if (!starts_with_ci(name, base)) return false;
    return name.size() == base.size() || name[base.size()] == '-';
}

std::string without_relay_cookies(std::string_view header) {
    std::string out;
    while (!header.empty()) {
        const auto semi = header.find(';');
        const auto pair = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        if (pair.empty()) continue;
        if (is_relay_cookie(pair.substr(0, pair.find('=')))) continue;
        if (!out.empty()) out += "; ";
        out += pair;
    }
    return out;
}

}  // namespace printgate::relay
