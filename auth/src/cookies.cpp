#include "printgate/auth/cookies.hpp"

#include <optional>

namespace printgate::auth {
namespace {

// RFC 6265 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash.
bool is_cookie_octet(char c) {
    auto u = static_cast<unsigned char>(c);
    return u == 0x21 || (u >= 0x23 && u <= 0x2B) || (u >= 0x2D && u <= 0x3A) || (u >= 0x3C && u <= 0x5B) ||
           (u >= 0x5D && u <= 0x7E);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string session_cookie(std::string_view token) {
    return std::string(session_cookie_name) + "=" + std::string(token) + "; Secure; HttpOnly; SameSite=Lax; Path=/";
}

std::string clear_session_cookie() {
    return std::string(session_cookie_name) + "=; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age=0";
}

std::string device_cookie(std::string_view token, std::chrono::seconds max_age) {
    // Strict: the device cookie is only needed on our own sign-in form.
    return std::string(device_cookie_name) + "=" + std::string(token) + "; Secure; HttpOnly; SameSite=Strict; Path=/; " +
           "Max-Age=" + std::to_string(max_age.count());
}

result<std::string> find_cookie(std::string_view header, std::string_view name, const cookie_limits& limits) {
    if (header.size() > limits.max_header_bytes) return error{errc::too_large, "Cookie header too large"};
    std::optional<std::string_view> found;
    std::size_t pairs = 0;
    while (!header.empty()) {
        auto semi = header.find(';');
        std::string_view pair = trim(header.substr(0, semi));
        header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
        if (pair.empty()) continue;  // "a=1;;b=2" and a trailing ';' are common and harmless
        if (++pairs > limits.max_cookies) return error{errc::too_large, "too many cookies"};
        auto eq = pair.find('=');
        if (eq == std::string_view::npos) {
            // A bare word is someone else's odd cookie; it only matters if it is ours.
            if (pair == name) return error{errc::malformed, "cookie without a value"};
            continue;
        }
        std::string_view key = trim(pair.substr(0, eq));
        if (key != name) continue;
        if (found) return error{errc::malformed, "cookie sent twice"};
        std::string_view value = trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        if (value.size() > limits.max_value_bytes) return error{errc::too_large, "cookie value too large"};
        for (char c : value)
            if (!is_cookie_octet(c)) return error{errc::malformed, "cookie value has characters cookies cannot carry"};
        found = value;
    }
    if (!found) return error{errc::not_found, "no such cookie"};
    return std::string(*found);
}

}  // namespace printgate::auth
