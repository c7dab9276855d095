#include "http_host.hpp"

#include <charconv>

namespace printgate::relay {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex_or_colon(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5) return std::nullopt;
    for (char c : text)
        if (!is_digit(c)) return std::nullopt;
    unsigned value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    if (value == 0 || value > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

}  // namespace

bool iequals_ascii(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool is_valid_label(std::string_view label) {
    if (label.empty() || label.size() > max_label_length) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
        const bool ok = (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::optional<host_name> parse_host(std::string_view value) {
    if (value.empty() || value.size() > max_host_length + 7) return std::nullopt;
    host_name out;
    std::string_view name = value;
    std::string_view port;

    if (value.front() == '[') {
        const auto close = value.find(']');
        if (close == std::string_view::npos || close < 3) return std::nullopt;
        for (char c : value.substr(1, close - 1))
            if (!is_hex_or_colon(c)) return std::nullopt;
        name = value.substr(0, close + 1);
        const auto rest = value.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            port = rest.substr(1);
            if (port.empty()) return std::nullopt;
        }
        out.ip_literal = true;
    } else {
        const auto colon = value.find(':');
        if (colon != std::string_view::npos) {
            name = value.substr(0, colon);
            port = value.substr(colon + 1);
            if (port.empty()) return std::nullopt;
        }
        if (!name.empty() && name.back() == '.') name.remove_suffix(1);
        if (name.empty() || name.size() > max_host_length) return std::nullopt;
        bool all_numeric = true;
        std::size_t start = 0;
        while (start <= name.size()) {
            auto dot = name.find('.', start);
            if (dot == std::string_view::npos) dot = name.size();
            std::string label;
            for (char c : name.substr(start, dot - start)) label.push_back(lower(c));
            if (!is_valid_label(label)) return std::nullopt;
            for (char c : label)
                if (!is_digit(c)) all_numeric = false;
            start = dot + 1;
        }
        out.ip_literal = all_numeric;
    }
    if (!port.empty()) {
        out.port = parse_port(port);
        if (!out.port) return std::nullopt;
    }
    out.name.reserve(name.size());
    for (char c : name) out.name.push_back(lower(c));
    return out;
}

host_route route_host(const host_name& host, std::string_view zone) {
    host_route route;
    if (host.ip_literal || zone.empty()) return route;
    const std::string_view name = host.name;
    if (name == zone) {
        route.kind = route_kind::apex;
        return route;
    }
    if (name.size() <= zone.size() + 1 || !name.ends_with(zone) ||
        name[name.size() - zone.size() - 1] != '.')
        return route;
    const auto inner = name.substr(0, name.size() - zone.size() - 1);
    if (inner.find('.') != std::string_view::npos) {
        route.kind = route_kind::nested;
        return route;
    }
    route.kind = route_kind::device;
    route.device = std::string(inner);
    return route;
}

}  // namespace printgate::relay
