#include "fetch_guard.hpp"

#include "http_host.hpp"

namespace printgate::relay {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

bool is_safe_method(std::string_view method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

std::optional<std::string> cross_origin_refusal(const request_view& request, std::string_view origin,
                                                bool require_origin_evidence) {
    if (is_safe_method(request.method) && !request.websocket_upgrade) return std::nullopt;
    const auto sent_origin = request.header("Origin");
    const auto fetch_site = request.header("Sec-Fetch-Site");
    if (sent_origin && !iequals_ascii(trim(*sent_origin), origin))
        return "This request came from another site (" + std::string(trim(*sent_origin).substr(0, 100)) +
               "), so it was refused.";
    if (fetch_site) {
        const auto site = trim(*fetch_site);
        if (!iequals_ascii(site, "same-origin") && !iequals_ascii(site, "none"))
            return "This request came from another site, so it was refused.";
    }
    if (require_origin_evidence && !sent_origin && !fetch_site)
        return "This form must be sent by a browser from this page (no Origin header).";
    return std::nullopt;
}

}  // namespace printgate::relay
