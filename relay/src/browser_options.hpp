#pragma once
// Limits and timeouts of the relay's browser side. The defaults suit a small VPS; tests set
// short timeouts.
#include <chrono>
#include <cstddef>
#include <string>

namespace printgate::relay {

struct browser_options {
    std::string zone = "localhost";           // lower case: "print.example.com"
    std::size_t max_connections = 1000;       // browser connections at once; more are closed
    std::size_t max_header_bytes = 16 * 1024;           // one request head from a browser
    std::size_t max_response_header_bytes = 64 * 1024;  // one response head from a device
    std::size_t max_page_body_bytes = 64 * 1024;        // a request body for the relay's pages
    // Request and response bodies to and from a device have no size limit: they stream
    // through two buffers of this size per connection.
    std::size_t chunk_bytes = 32 * 1024;
    std::chrono::milliseconds handshake_timeout{10'000};  // TCP accept to TLS done
    std::chrono::milliseconds idle_timeout{60'000};       // no progress in a request, or between requests
    std::chrono::milliseconds websocket_ping_interval{30'000};  // relay -> browser pings on an idle socket
    std::chrono::milliseconds websocket_idle_timeout{90'000};   // nothing read from either side
    std::chrono::seconds offline_retry_after{30};                // Retry-After on the offline page
};

}  // namespace printgate::relay
