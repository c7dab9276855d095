#pragma once
// Where a browser goes back to after signing in: a page on one device host. It travels
// through the sign-in pages as two query fields (device, path) and is only ever turned
// back into a URL on this relay's own zone, so it cannot send anyone elsewhere (no open
// redirect): the device must be a DNS label and the path a plain absolute path.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace printgate::relay {

inline constexpr std::size_t max_return_path_bytes = 2048;

struct return_target {
    std::string device;  // "printer1"
    std::string path;    // "/files?sort=name": starts with one '/', printable ASCII only
};

// nullopt unless `device` is a valid label and `path` starts with '/' but not "//" or
// "/\", has no byte outside 0x21..0x7e, and is at most max_return_path_bytes long.
std::optional<return_target> parse_return_target(std::string_view device, std::string_view path);

// "https://printer1.print.example.com" plus ":port" when the relay is not on 443.
std::string device_origin(std::string_view device, std::string_view zone, std::optional<std::uint16_t> port);
// "https://print.example.com[:port]"
std::string apex_origin(std::string_view zone, std::optional<std::uint16_t> port);

// The origin a browser names for a validated Host value: "localhost:8443" ->
// "https://localhost:8443", "example.com:443" -> "https://example.com".
std::string origin_of_host(std::string_view host);

// The port of a validated Host value as sent ("localhost:8443" -> 8443), if any.
std::optional<std::uint16_t> port_of_host(std::string_view host);

// "?device=printer1&path=%2Ffiles" for the sign-in pages' links and forms ("" for none).
std::string return_query(const std::optional<return_target>& target);

}  // namespace printgate::relay
