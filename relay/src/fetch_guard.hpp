#pragma once
// Cross-site request forgery and cross-site WebSocket hijacking: a request that changes
// something (any method but GET, HEAD, OPTIONS) or opens a WebSocket must come from a page
// of the same origin. Browsers say where a request comes from in Origin and
// Sec-Fetch-Site; a foreign Origin, "Origin: null", or Sec-Fetch-Site other than
// same-origin / none is refused. Another printer in the zone is same-site but not
// same-origin, so it is refused too: printers do not get to drive each other.
#include <optional>
#include <string>
#include <string_view>

#include "gate.hpp"

namespace printgate::relay {

bool is_safe_method(std::string_view method);

// Why `request` must be refused with 403, or nothing. `origin` is this host's own origin
// ("https://printer1.localhost:8443"). Safe methods without an upgrade always pass.
// When `require_origin_evidence`, an unsafe request with neither Origin nor Sec-Fetch-Site
// (not a browser, or a very old one) is refused as well: the relay's own forms want it.
std::optional<std::string> cross_origin_refusal(const request_view& request, std::string_view origin,
                                                bool require_origin_evidence = false);

}  // namespace printgate::relay
