#include "return_target.hpp"

#include <charconv>

#include "form.hpp"
#include "http_host.hpp"

namespace printgate::relay {

std::optional<return_target> parse_return_target(std::string_view device, std::string_view path) {
    if (!is_valid_label(device)) return std::nullopt;
    if (path.empty() || path.size() > max_return_path_bytes || path.front() != '/') return std::nullopt;
    if (path.size() > 1 && (path[1] == '/' || path[1] == '\\')) return std::nullopt;
    for (char c : path) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e) return std::nullopt;
    }
    return return_target{std::string(device), std::string(path)};
}

std::string apex_origin(std::string_view zone, std::optional<std::uint16_t> port) {
    std::string out = "https://" + std::string(zone);
    if (port && *port != 443) out += ":" + std::to_string(*port);
    return out;
}

std::string device_origin(std::string_view device, std::string_view zone, std::optional<std::uint16_t> port) {
    return apex_origin(std::string(device) + "." + std::string(zone), port);
}

std::string origin_of_host(std::string_view host) {
    const auto parsed = parse_host(host);
    if (!parsed) return "https://" + std::string(host);
    return apex_origin(parsed->name, parsed->port);
}

std::optional<std::uint16_t> port_of_host(std::string_view host) {
    const auto parsed = parse_host(host);
    if (!parsed) return std::nullopt;
    return parsed->port;
}

std::string return_query(const std::optional<return_target>& target) {
    if (!target) return {};
    return "?device=" + url_encode(target->device) + "&path=" + url_encode(target->path);
}

}  // namespace printgate::relay
