#include "printgate/tunnel/pairing_code.hpp"

#include <charconv>

namespace printgate::tunnel {
namespace {

bool lower_hex(std::string_view s, std::size_t size) {
    if (s.size() != size) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool host_chars(std::string_view s, bool bracketed) {
    if (s.empty() || s.size() > 253) return false;
    for (char c : s) {
        bool ok = bracketed ? ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                               c == ':' || c == '.')
                            : ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                               c == '-' || c == '.');
        if (!ok) return false;
    }
    return true;
}

std::string_view take(std::string_view& rest) {
    auto dot = rest.find('.');
    if (dot == std::string_view::npos) {
        auto all = rest;
        rest = {};
        return all;
    }
    auto part = rest.substr(0, dot);
    rest.remove_prefix(dot + 1);
    return part;
}

}  // namespace

std::string format_pairing_code(const pairing_code& code) {
    bool v6 = code.host.find(':') != std::string::npos;
    return "pg1." + code.code_id + "." + code.secret + "." + code.fingerprint + "." + (v6 ? "[" : "") + code.host +
           (v6 ? "]" : "") + ":" + std::to_string(code.port);
}

identity_result<pairing_code> parse_pairing_code(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' || text.front() == '\r'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    if (text.size() > max_pairing_code_size) return identity_error{"the pairing code is too long"};
    std::string_view rest = text;
    if (take(rest) != "pg1") return identity_error{"not a printgate pairing code (it starts with 'pg1.')"};
    pairing_code code;
    auto id = take(rest);
    auto secret = take(rest);
    auto fingerprint = take(rest);
    if (!lower_hex(id, 16)) return identity_error{"the pairing code's id is malformed"};
    if (!lower_hex(secret, 32)) return identity_error{"the pairing code's secret is malformed"};
    if (!lower_hex(fingerprint, 64)) return identity_error{"the pairing code's relay fingerprint is malformed"};
    // rest: host:port, the host possibly bracketed.
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return identity_error{"the pairing code has no relay port"};
    auto host = rest.substr(0, colon);
    auto port_text = rest.substr(colon + 1);
    bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);
    if (!host_chars(host, bracketed)) return identity_error{"the pairing code's relay host is malformed"};
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535 ||
        port_text.size() > 5)
        return identity_error{"the pairing code's relay port is malformed"};
    code.code_id = std::string(id);
    code.secret = std::string(secret);
    code.fingerprint = std::string(fingerprint);
    code.host = std::string(host);
    code.port = static_cast<std::uint16_t>(port);
    return code;
}

}  // namespace printgate::tunnel
