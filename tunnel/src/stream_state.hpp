#pragma once
// What the session knows about one stream. Shared by the session's map and the user's
// stream handle; touched only on the session's executor.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "printgate/common/any_stream.hpp"
#include "printgate/common/clock.hpp"
#include "printgate/tunnel/frame.hpp"

namespace printgate::tunnel::detail {

namespace net = boost::asio;

struct stream_state {
    explicit stream_state(std::uint32_t stream_id) : id(stream_id) {}

    std::uint32_t id;

    // Lifecycle.
    bool fin_requested = false;  // async_shutdown called: FIN goes after the queued bytes
    bool fin_sent = false;
    bool remote_fin = false;
    bool finished = false;       // reset (either side) or session gone: no more I/O
    bool orphaned = false;       // handle destroyed after shutdown: discard until peer FIN
    bool tracked = true;         // still in the session's map
    bool grant_owed = false;     // a window grant waits for the session buffer cap
    error_code failure;

    // Receive side. `recv_window` is what the peer may still send; `recv_window_max` is
    // the window we aim to keep granted (grows up to session_options::max_window).
    std::vector<std::uint8_t> recv;
    std::size_t recv_head = 0;
    std::uint32_t recv_window = initial_stream_window;
    std::uint32_t recv_window_max = initial_stream_window;
    printgate::clock::time_point last_grant{};
    common::buffer_list<net::mutable_buffer> read_buffers;
    common::io_handler read_handler;

    // Send side.
    std::uint32_t send_window = initial_stream_window;
    common::buffer_list<net::const_buffer> write_buffers;
    std::size_t write_total = 0;
    std::size_t write_done = 0;
    common::io_handler write_handler;
    common::done_handler shutdown_handler;
    bool in_ready = false;  // in the writer's round-robin list

    [[nodiscard]] std::size_t buffered() const { return recv.size() - recv_head; }
};

}  // namespace printgate::tunnel::detail
