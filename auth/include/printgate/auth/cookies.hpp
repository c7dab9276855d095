#pragma once
// The two cookies of the login gate, and a strict reader for the Cookie request header.
// __Host- makes the browser insist on Secure, Path=/ and no Domain, so a sibling host in
// the zone (another printer's origin) cannot set or overwrite them.
#include <chrono>
#include <string>
#include <string_view>

#include "printgate/auth/result.hpp"

namespace printgate::auth {

inline constexpr std::string_view session_cookie_name = "__Host-printgate";
inline constexpr std::string_view device_cookie_name = "__Host-printgate-device";

struct cookie_limits {
    std::size_t max_header_bytes = 8192;  // what common servers accept for all cookies
    std::size_t max_cookies = 64;
    std::size_t max_value_bytes = 256;
};

// Set-Cookie values. Without Max-Age the session cookie ends with the browser; the server's
// idle and absolute timeouts apply either way.
std::string session_cookie(std::string_view token);
std::string clear_session_cookie();
// The known-device cookie outlives sessions: it is what lets the owner through the
// per-account delays while someone else is guessing the password.
std::string device_cookie(std::string_view token, std::chrono::seconds max_age = std::chrono::hours(24 * 365));

// The value of cookie `name` in a Cookie header ("a=1; b=2"). errc::not_found when absent;
// errc::too_large past the limits; errc::malformed for a pair without '=', a value with
// characters RFC 6265 does not allow, or `name` appearing twice (a cookie-tossing attempt
// or a broken client: neither is guessed at).
result<std::string> find_cookie(std::string_view header, std::string_view name, const cookie_limits& limits = {});

}  // namespace printgate::auth
