#pragma once
// The relay's own credentials never reach a device: the edge (or whatever answers in the
// tunnel) is not trusted with the session that opens every printer and the account pages.
// Its Cookie header loses __Host-printgate and __Host-printgate-* pairs; X-Api-Key is dropped
// by the caller.
#include <string>
#include <string_view>

namespace printgate::relay {

// True for a cookie name that belongs to the relay (ASCII case ignored, as browsers treat
// the __Host- prefix).
bool is_relay_cookie(std::string_view name);

// "a=1; __Host-printgate=x; b=2" -> "a=1; b=2". Pairs are kept byte for byte (trimmed of
// spaces), in order; "" when nothing is left.
std::string without_relay_cookies(std::string_view cookie_header);

}  // namespace printgate::relay
