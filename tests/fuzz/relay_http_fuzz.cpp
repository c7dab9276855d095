// The relay's browser-facing request-head path: Beast's parser under the relay's header
// limit, then the relay's own checks (Host by DNS label rules, routing) and the rewrite of
// the head sent to a device (identity and hop-by-hop fields out, the relay's own in). Also
// the WebSocket frame tracker, which follows untrusted device bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http_head.hpp"
#include "http_host.hpp"
#include "proxy_websocket_frames.hpp"

using namespace printgate::relay;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
        if (std::tolower(x) != std::tolower(y)) return false;
    }
    return true;
}

void check_host(std::string_view text) {
    auto host = parse_host(text);
    if (!host) return;
    if (host->name.empty() || host->name.size() > max_host_length + 2) std::abort();
    for (char c : host->name)
        if (c >= 'A' && c <= 'Z') std::abort();
    // A parsed name parses again to itself.
    auto again = parse_host(host->name);
    if (!again || again->name != host->name) std::abort();
    for (auto zone : {"localhost", "print.example.com"}) {
        auto route = route_host(*host, zone);
        if (route.kind == route_kind::device) {
            if (!is_valid_label(route.device)) std::abort();
            if (route.device + "." + zone != host->name) std::abort();
        }
        if (route.kind == route_kind::apex && host->name != zone) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_host(text.substr(0, 300));

    const forwarded_identity identity{"203.0.113.7", "printer1.localhost:8443", "alice"};
    auto a = analyze_request_head(text, 8 * 1024, identity);
    if (a.parsed && a.check.ok()) {
        if (!parse_host(a.check.host.name)) std::abort();
        int forwarded_for = 0, user = 0;
        for (const auto& f : a.upstream) {
            const auto name = f.name_string();
            if (is_identity_field(name)) {
                // Only the relay's own, with the relay's values.
                if (iequals(name, "X-Forwarded-For")) {
                    ++forwarded_for;
                    if (f.value() != identity.client_address) std::abort();
                } else if (iequals(name, "X-Printgate-User")) {
                    ++user;
                    if (f.value() != identity.user) std::abort();
                } else if (iequals(name, "X-Forwarded-Host")) {
                    if (f.value() != identity.host) std::abort();
                } else if (iequals(name, "X-Forwarded-Proto")) {
                    if (f.value() != "https") std::abort();
                } else {
                    std::abort();
                }
            }
            if (is_hop_by_hop_field(name)) {
                const bool upgrade_pair = a.check.websocket_upgrade &&
                                          (iequals(name, "Connection") || iequals(name, "Upgrade"));
                if (!upgrade_pair) std::abort();
            }
        }
        if (forwarded_for != 1 || user != 1) std::abort();
    } else if (a.parsed && a.check.message.empty()) {
        std::abort();  // every refusal says why
    }

    // Frame boundaries: byte by byte and all at once agree.
    websocket_frame_tracker whole, bytewise;
    whole.consume({data, size});
    for (std::size_t i = 0; i < size; ++i) bytewise.consume({data + i, 1});
    if (whole.at_boundary() != bytewise.at_boundary() || whole.frames() != bytewise.frames())
        std::abort();
    return 0;
}
