#pragma once
// Host header (and SNI) validation and routing by name. A browser's Host value is
// untrusted: it is checked against DNS label rules before it chooses anything.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace printgate::relay {

struct host_name {
    std::string name;                    // lower case, no trailing dot: "printer1.localhost"
    std::optional<std::uint16_t> port;   // when the value named one
    bool ip_literal = false;             // "[::1]" or all-numeric labels ("127.0.0.1")
};

inline constexpr std::size_t max_host_length = 253;
inline constexpr std::size_t max_label_length = 63;

// "Printer1.Localhost:8443" -> {"printer1.localhost", 8443}. nullopt for anything that is
// not a DNS name (labels of 1-63 letters, digits and inner hyphens, 253 bytes at most), a
// bracketed IPv6 literal, or that carries a bad port.
std::optional<host_name> parse_host(std::string_view value);

// ASCII case-insensitive equality (header names, origins, tokens).
bool iequals_ascii(std::string_view a, std::string_view b);

// One DNS label by the same rules, already lower case ("printer1").
bool is_valid_label(std::string_view label);

enum class route_kind {
    apex,     // the zone itself: the relay's own pages
    device,   // NAME.ZONE
    nested,   // deeper inside the zone (a.b.ZONE): no such name
    foreign,  // not in the zone at all
};

struct host_route {
    route_kind kind = route_kind::foreign;
    std::string device;  // for route_kind::device
};

// `zone` is lower case without trailing dot ("localhost", "print.example.com").
host_route route_host(const host_name& host, std::string_view zone);

}  // namespace printgate::relay
