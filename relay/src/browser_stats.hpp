#pragma once
// Counters of the browser side, readable from any thread (tests, a status page).
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace printgate::relay {

struct browser_stats {
    std::atomic<std::uint64_t> connections_accepted{0};
    std::atomic<std::uint64_t> connections_refused{0};  // over max_connections
    std::atomic<std::uint64_t> handshakes_failed{0};
    std::atomic<std::int64_t> active_connections{0};
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> bad_requests{0};       // answered 4xx/5xx by the relay before any device
    std::atomic<std::uint64_t> upstream_streams{0};   // device_directory::open_stream successes
    std::atomic<std::uint64_t> bytes_to_device{0};    // request and WebSocket payload bytes
    std::atomic<std::uint64_t> bytes_to_browser{0};   // response and WebSocket payload bytes
    std::atomic<std::uint64_t> websocket_pings{0};    // pings the relay sent to browsers
    // The most bytes of buffer one connection held at once (read buffers plus body chunks):
    // the invariant that keeps a 2 GB upload or an endless stream out of memory.
    std::atomic<std::size_t> peak_connection_buffer_bytes{0};

    void note_buffer_bytes(std::size_t bytes) {
        auto seen = peak_connection_buffer_bytes.load(std::memory_order_relaxed);
        while (bytes > seen &&
               !peak_connection_buffer_bytes.compare_exchange_weak(seen, bytes,
                                                                   std::memory_order_relaxed)) {
        }
    }
};

}  // namespace printgate::relay
