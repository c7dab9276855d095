#pragma once
// A yamux-compatible multiplexing session over one byte stream (TCP, TLS): many streams,
// per-stream flow control, a session-wide cap on buffered bytes, fair scheduling of DATA
// frames, PING heartbeat and GO_AWAY. Wire format and rules: docs/tunnel-framing.md.
//
// Threading: single-threaded. Everything (the reader, the writer, the heartbeat, every
// stream operation) runs on the transport's executor, which must be an io_context run by
// one thread (or a strand). Call the session's functions from that executor only.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "printgate/common/any_stream.hpp"
#include "printgate/common/clock.hpp"
#include "printgate/tunnel/frame.hpp"
#include "printgate/tunnel/mux_error.hpp"
#include "printgate/tunnel/stream.hpp"

namespace printgate::tunnel {

enum class role { client, server };  // client opens odd stream ids, server even

struct session_options {
    std::uint32_t initial_window = 256 * 1024;     // per stream, per spec
    std::uint32_t max_window = 16 * 1024 * 1024;   // a stream's window may grow to this
    std::size_t session_buffer_cap = 32 * 1024 * 1024;  // total buffered receive bytes
    std::uint32_t max_frame_payload = 32 * 1024;   // DATA frames we send
    std::uint32_t max_incoming_data = 256 * 1024 + 64 * 1024;  // larger: protocol error
    std::size_t max_streams = 1024;
    std::size_t accept_backlog = 256;
    std::chrono::milliseconds ping_interval{15000};
    std::chrono::milliseconds dead_after{45000};  // silence -> session dead
    std::string name;                              // for log lines ("relay<-printer1")
    // Time source for silence detection, RTT and window growth (nullptr: steady clock).
    // The heartbeat still ticks on a real timer every ping_interval.
    const printgate::clock* clock = nullptr;
};

struct session_stats {
    std::size_t streams_open = 0;       // streams the session still tracks
    std::size_t accept_queue = 0;       // opened by the peer, not yet accepted
    std::uint64_t bytes_in = 0;         // transport bytes
    std::uint64_t bytes_out = 0;
    std::size_t buffered_bytes = 0;     // received, not yet read, all streams
    std::uint64_t window_updates_sent = 0;
    std::uint64_t streams_refused = 0;  // incoming SYNs answered with RST
    std::uint64_t pings_answered = 0;   // our PINGs the peer acknowledged
    std::chrono::microseconds rtt{0};   // last PING round trip (0: none yet)
};

class session : public std::enable_shared_from_this<session> {
public:
    static std::shared_ptr<session> create(common::any_stream transport, role r,
                                           session_options options = {});
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void start();  // spawns the reader, writer and heartbeat on the transport's executor
    net::awaitable<std::tuple<error_code, stream>> open_stream();
    net::awaitable<std::tuple<error_code, stream>> accept_stream();
    void go_away(go_away_code code = go_away_code::normal);  // no new streams, drain
    void close(error_code reason = {});  // abortive: every stream fails, transport closed
    net::awaitable<error_code> wait_closed();  // why it ended
    [[nodiscard]] bool is_open() const;
    [[nodiscard]] session_stats stats() const;
    [[nodiscard]] const std::string& name() const;
    [[nodiscard]] net::any_io_executor get_executor() const { return executor_; }

private:
    friend class stream;
    using state_ptr = std::shared_ptr<detail::stream_state>;
    enum class phase { open, failing, closed };

    session(common::any_stream transport, role r, session_options options);

    net::awaitable<void> read_loop(std::shared_ptr<session> self);
    net::awaitable<void> write_loop(std::shared_ptr<session> self);
    net::awaitable<void> heartbeat_loop(std::shared_ptr<session> self);

    // Reader side.
    bool handle_header(const frame_header& h);  // false: protocol violation (logged)
    void deliver(const std::uint8_t* data, std::size_t n);
    void finish_payload();
    void apply_remote_fin(const state_ptr& st);
    void apply_remote_rst(const state_ptr& st);
    void incoming_stream(std::uint32_t id);

    // Stream side (called by stream).
    void stream_read(const state_ptr& st, const common::buffer_list<net::mutable_buffer>& b,
                     common::io_handler h);
    void stream_write(const state_ptr& st, const common::buffer_list<net::const_buffer>& b,
                      common::io_handler h);
    void stream_shutdown(const state_ptr& st, common::done_handler h);
    void stream_close(const state_ptr& st);
    void stream_release(const state_ptr& st);

    // Flow control.
    void consumed(const state_ptr& st, std::size_t n);
    std::uint32_t starting_window() const;
    void maybe_grant(const state_ptr& st);
    void drop_buffer(const state_ptr& st);

    // Writer side.
    void queue_control(frame_type type, std::uint16_t flags, std::uint32_t id, std::uint32_t len);
    void make_ready(const state_ptr& st);
    bool emit_from(const state_ptr& st);  // true: the stream has more to send
    void wake_writer();

    void fail_stream(const state_ptr& st, error_code ec);
    void forget(const state_ptr& st);
    void maybe_forget(const state_ptr& st);
    void violation(std::string_view cause);
    // Every stream and queued frame goes; each stream's pending operations fail.
    void fail_all_streams();
    [[nodiscard]] printgate::clock::time_point now() const;

    net::any_io_executor executor_;
    common::any_stream transport_;
    role role_;
    session_options options_;
    const printgate::clock* clock_;
    phase phase_ = phase::open;
    error_code close_reason_;

    std::unordered_map<std::uint32_t, state_ptr> streams_;
    std::deque<state_ptr> accept_queue_;
    std::uint32_t next_id_;
    bool local_go_away_ = false;
    bool remote_go_away_ = false;

    // Reader state: the transport read buffer (small while the tunnel is quiet, grown for
    // bulk transfers) and the frame whose payload is arriving.
    std::unique_ptr<std::uint8_t[]> in_;
    std::size_t in_size_ = 0;
    bool read_busy_ = false;           // a read filled the buffer since the last heartbeat
    bool shrink_read_buffer_ = false;  // set by the heartbeat: quiet, give the large buffer back
    state_ptr payload_stream_;
    std::uint32_t payload_left_ = 0;
    std::uint16_t payload_flags_ = 0;
    bool payload_active_ = false;

    // Writer state: control frames first, then DATA round-robin over ready streams.
    std::vector<frame_header> control_;
    std::deque<state_ptr> ready_;
    std::vector<std::uint8_t> out_;
    bool writing_ = false;          // out_ is being written to the transport
    bool wrote_data_ = false;       // a DATA frame went out since the last heartbeat
    bool flush_then_close_ = false;
    std::vector<std::uint32_t> owed_windows_;  // grants held back by the buffer cap

    net::steady_timer writer_wake_;
    net::steady_timer accept_wake_;
    net::steady_timer closed_wake_;
    net::steady_timer heartbeat_timer_;

    printgate::clock::time_point last_rx_{};
    std::uint32_t ping_id_ = 0;
    bool ping_outstanding_ = false;
    printgate::clock::time_point ping_sent_at_{};
    std::chrono::microseconds rtt_{0};
    std::size_t buffered_total_ = 0;
    // The largest window a stream of this session has grown to: later streams start there,
    // so a second upload across a long link does not climb the same ramp again.
    std::uint32_t learned_window_ = 0;

    session_stats counters_;
};

}  // namespace printgate::tunnel
