#pragma once
// One HTTP/1.1 request and its answer on an outgoing connection (outgoing_connection.hpp:
// plain TCP or TLS behind common::any_stream). The edge's only HTTP client: downloads and
// webhooks both come here, so Beast's client templates are instantiated once, in
// https_client.cpp. Private to edge/src.
#include "outgoing_connection.hpp"
#include "printgate/edge/gcode_download.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>

namespace printgate::edge {

struct client_request {
    bool post = false;  // GET otherwise
    std::string content_type;
    std::string body;  // POST only
};

struct client_response_head {
    unsigned status = 0;
    std::string reason;
    std::string location;
    std::optional<std::uint64_t> content_length;
};

struct client_limits {
    std::size_t max_header_bytes = 16 * 1024;
    std::uint64_t max_body_bytes = 64 * 1024;
    std::string too_large;  // the error when the body is larger (declared or sent)
};

// Return false to end the exchange after the head (a redirect, an unwanted status).
using client_head_fn = std::function<bool(const client_response_head&)>;
// Each piece of the body as it arrives; "" to go on, else why not (the exchange ends with it).
using client_body_fn = std::function<std::string(std::span<const char>)>;

// Sends `req` to `url` (its target; Host from its host and port; Connection: close), reads the
// head and, when on_head wants it, the body. Returns "" when done; else why not: "cannot send
// the request: ...", "no answer from the server: ...", "the answer broke off: ...",
// limits.too_large, or what on_body said.
boost::asio::awaitable<std::string> http_exchange(outgoing_connection& connection, const download_url& url,
                                                  const client_request& req, const client_limits& limits,
                                                  const client_head_fn& on_head, const client_body_fn& on_body);

// The Host header for `url`: the host (an IPv6 address bracketed) and the port unless default.
std::string host_header(const download_url& url);

}  // namespace printgate::edge
