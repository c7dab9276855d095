#pragma once
// Rules for request and response heads crossing the relay: which requests are acceptable,
// which fields are dropped (identity headers a browser could forge, hop-by-hop fields),
// which the relay sets itself. A private header for the browser session, the proxy and
// the relay_http fuzz target; Beast stays out of every header other code includes.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include "gate.hpp"
#include "http_host.hpp"

namespace printgate::relay {

namespace http = boost::beast::http;

struct request_check {
    unsigned status = 0;  // 0: acceptable; otherwise the error status to answer (400, 405, 501)
    std::string message;  // plain words for the error page
    host_name host;       // the validated Host
    bool websocket_upgrade = false;

    [[nodiscard]] bool ok() const { return status == 0; }
};

// Validates a request head the parser accepted: origin-form target, exactly one valid
// Host (DNS label rules), no CONNECT/TRACE, Transfer-Encoding only "chunked".
request_check check_request_head(const http::request_header<>& head);

// X-Forwarded-*, Forwarded, X-Real-IP, X-Printgate-* in any case.
bool is_identity_field(std::string_view name);

// Connection, Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE,
// Trailer, Transfer-Encoding, Upgrade, Content-Length (framing is set again by the relay).
bool is_hop_by_hop_field(std::string_view name);

// Case-insensitive token search in a comma-separated list ("keep-alive, Upgrade").
bool has_token(std::string_view list, std::string_view token);

// The fields the gate and the pages see: everything but identity fields.
std::vector<header_field> visible_fields(const http::fields& fields);

// What the relay vouches for, sent to the device.
struct forwarded_identity {
    std::string_view client_address;  // "203.0.113.7" or "2001:db8::1"
    std::string_view host;            // the validated Host as sent, lower case
    std::string_view user;            // from the gate
};

// Copies the end-to-end fields of `from` into `to` (no identity, no hop-by-hop, none named
// in `from`'s Connection field, no X-Api-Key, Cookie without the relay's own cookies), then sets Host, X-Forwarded-For, X-Forwarded-Proto: https,
// X-Forwarded-Host and X-Printgate-User; for a WebSocket upgrade, Connection: Upgrade and
// Upgrade: websocket.
void make_upstream_fields(const http::fields& from, http::fields& to,
                          const forwarded_identity& identity, bool websocket_upgrade);

// The end-to-end fields of a device's response for the browser (no hop-by-hop, none named in
// its Connection field); `upgrade` keeps Upgrade and Connection: Upgrade for a 101. The relay
// adds what it promises for every host of its zone: HSTS for a year (replacing the device's),
// nosniff, and a second CSP that only forbids framing (a device's own CSP still applies).
void make_downstream_fields(const http::fields& from, http::fields& to, bool upgrade);

// For the fuzz target and tests: parses `bytes` as a request head with `header_limit`, runs
// check_request_head and, when acceptable, make_upstream_fields.
struct head_analysis {
    bool parsed = false;  // the parser accepted a complete head
    request_check check;
    http::fields upstream;  // when parsed && check.ok()
};
head_analysis analyze_request_head(std::string_view bytes, std::size_t header_limit,
                                   const forwarded_identity& identity);

}  // namespace printgate::relay
