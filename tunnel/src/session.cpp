#include "printgate/tunnel/session.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "stream_state.hpp"

namespace printgate::tunnel {

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
// Bytes read from the transport at once, and the size a write batch stops growing at:
// large enough that a bulk transfer costs few syscalls, small enough that control frames
// and other streams never wait behind much. A quiet tunnel reads into a small buffer and
// gives its write batch back: a relay holds thousands of idle tunnels. The batch grows by
// need (a control message is a few hundred bytes) and keeps its size while DATA flows.
constexpr std::size_t read_chunk = 128 * 1024;
constexpr std::size_t idle_read_chunk = 4 * 1024;
constexpr std::size_t write_batch = 256 * 1024;
constexpr std::size_t idle_write_capacity = 4 * 1024;

void post_io(const net::any_io_executor& ex, common::io_handler& h, error_code ec,
             std::size_t n) {
    if (!h) return;
    // Single-threaded: every handler runs on the session's executor, never inline.
    net::post(ex, [h = std::move(h), ec, n]() mutable { std::move(h)(ec, n); });
    h = nullptr;
}

void post_done(const net::any_io_executor& ex, common::done_handler& h, error_code ec) {
    if (!h) return;
    net::post(ex, [h = std::move(h), ec]() mutable { std::move(h)(ec); });
    h = nullptr;
}

// Boost 1.81's any_completion_handler move assignment recurses forever (it copies from an
// lvalue through its converting constructor): move-construct and swap instead.
template <class Handler>
void store(Handler& slot, Handler&& handler) {
    Handler tmp(std::move(handler));
    slot.swap(tmp);
}

std::size_t total_size(const common::buffer_list<net::mutable_buffer>& b) {
    std::size_t n = 0;
    for (const auto& x : b) n += x.size();
    return n;
}

std::size_t total_size(const common::buffer_list<net::const_buffer>& b) {
    std::size_t n = 0;
    for (const auto& x : b) n += x.size();
    return n;
}

// Copies up to `n` bytes from `data` into the buffers; returns how many.
std::size_t scatter(const common::buffer_list<net::mutable_buffer>& b, const std::uint8_t* data,
                    std::size_t n) {
    std::size_t done = 0;
    for (const auto& x : b) {
        if (done == n) break;
        std::size_t c = std::min(x.size(), n - done);
        std::memcpy(x.data(), data + done, c);
        done += c;
    }
    return done;
}

void append_header(std::vector<std::uint8_t>& out, const frame_header& h) {
    auto bytes = encode(h);
    out.insert(out.end(), bytes.begin(), bytes.end());
}

// Appends `n` bytes of the buffer sequence starting at `offset`.
void gather(std::vector<std::uint8_t>& out, const common::buffer_list<net::const_buffer>& b,
            std::size_t offset, std::size_t n) {
    for (const auto& x : b) {
        if (n == 0) break;
        if (offset >= x.size()) {
            offset -= x.size();
            continue;
        }
        auto* p = static_cast<const std::uint8_t*>(x.data()) + offset;
        std::size_t c = std::min(x.size() - offset, n);
        out.insert(out.end(), p, p + c);
        n -= c;
        offset = 0;
    }
}

}  // namespace

std::shared_ptr<session> session::create(common::any_stream transport, role r,
                                         session_options options) {
    return std::shared_ptr<session>(new session(std::move(transport), r, std::move(options)));
}

session::session(common::any_stream transport, role r, session_options options)
    : executor_(transport.get_executor()),
      transport_(std::move(transport)),
      role_(r),
      options_(std::move(options)),
      clock_(options_.clock ? options_.clock : &steady_clock_source::instance()),
      phase_(phase::open),
      next_id_(r == role::client ? 1 : 2),
      writer_wake_(executor_),
      accept_wake_(executor_),
      closed_wake_(executor_),
      heartbeat_timer_(executor_) {
    if (options_.name.empty()) options_.name = "tunnel";
    options_.max_window = std::max(options_.max_window, initial_stream_window);
    options_.initial_window =
        std::clamp(options_.initial_window, initial_stream_window, options_.max_window);
    options_.max_frame_payload = std::max<std::uint32_t>(options_.max_frame_payload, 1);
    options_.ping_interval = std::max(options_.ping_interval, std::chrono::milliseconds(1));
    // These timers are signals: they never expire, cancel() wakes every waiter.
    writer_wake_.expires_at(net::steady_timer::time_point::max());
    accept_wake_.expires_at(net::steady_timer::time_point::max());
    closed_wake_.expires_at(net::steady_timer::time_point::max());
    last_rx_ = now();
}

session::~session() = default;

printgate::clock::time_point session::now() const { return clock_->now(); }

const std::string& session::name() const { return options_.name; }

bool session::is_open() const { return phase_ == phase::open; }

session_stats session::stats() const {
    session_stats s = counters_;
    s.streams_open = streams_.size();
    s.accept_queue = accept_queue_.size();
    s.buffered_bytes = buffered_total_;
    s.rtt = rtt_;
    return s;
}

void session::start() {
    auto self = shared_from_this();
    net::co_spawn(executor_, read_loop(self), net::detached);
    net::co_spawn(executor_, write_loop(self), net::detached);
    net::co_spawn(executor_, heartbeat_loop(self), net::detached);
}

// ---------------------------------------------------------------------------------------
// Opening and accepting streams

net::awaitable<std::tuple<error_code, stream>> session::open_stream() {
    auto self = shared_from_this();
    if (phase_ != phase::open)
        co_return std::tuple{close_reason_ ? close_reason_ : make_error_code(mux_error::session_closed),
                             stream{}};
    if (local_go_away_ || remote_go_away_)
        co_return std::tuple{make_error_code(mux_error::going_away), stream{}};
    if (streams_.size() >= options_.max_streams)
        co_return std::tuple{make_error_code(mux_error::stream_limit), stream{}};
    if (next_id_ > std::numeric_limits<std::uint32_t>::max() - 2)
        co_return std::tuple{make_error_code(mux_error::ids_exhausted), stream{}};
    auto st = std::make_shared<detail::stream_state>(next_id_);
    next_id_ += 2;
    const std::uint32_t start = starting_window();
    st->recv_window = st->recv_window_max = start;
    st->last_grant = now();
    streams_.emplace(st->id, st);
    queue_control(frame_type::window_update, flag::syn, st->id, start - initial_stream_window);
    co_return std::tuple{error_code{}, stream(self, st)};
}

net::awaitable<std::tuple<error_code, stream>> session::accept_stream() {
    auto self = shared_from_this();
    for (;;) {
        while (!accept_queue_.empty()) {
            auto st = std::move(accept_queue_.front());
            accept_queue_.pop_front();
            if (st->finished) continue;  // reset by the peer before we took it
            const std::uint32_t start = starting_window();
            std::uint32_t extra = start > st->recv_window_max ? start - st->recv_window_max : 0;
            st->recv_window_max += extra;
            st->recv_window += extra;
            st->last_grant = now();
            queue_control(frame_type::window_update, flag::ack, st->id, extra);
            co_return std::tuple{error_code{}, stream(self, st)};
        }
        if (phase_ != phase::open)
            co_return std::tuple{close_reason_ ? close_reason_ : make_error_code(mux_error::session_closed),
                                 stream{}};
        if (remote_go_away_) co_return std::tuple{make_error_code(mux_error::going_away), stream{}};
        auto [ec] = co_await accept_wake_.async_wait(use_tuple);
        (void)ec;
    }
}

void session::incoming_stream(std::uint32_t id) {
    auto st = std::make_shared<detail::stream_state>(id);
    st->last_grant = now();
    streams_.emplace(id, st);
    accept_queue_.push_back(std::move(st));
    accept_wake_.cancel();
}

void session::go_away(go_away_code code) {
    if (phase_ != phase::open || local_go_away_) return;
    local_go_away_ = true;
    queue_control(frame_type::go_away, 0, 0, static_cast<std::uint32_t>(code));
}

// ---------------------------------------------------------------------------------------
// Ending

void session::close(error_code reason) {
    if (phase_ == phase::closed) return;
    if (phase_ == phase::failing) reason = close_reason_;
    phase_ = phase::closed;
    close_reason_ = reason;
    if (reason) spdlog::info("tunnel {}: session closed: {}", options_.name, reason.message());
    fail_all_streams();
    owed_windows_.clear();
    transport_.close();
    writer_wake_.cancel();
    accept_wake_.cancel();
    closed_wake_.cancel();
    heartbeat_timer_.cancel();
}

void session::fail_all_streams() {
    auto streams = std::move(streams_);
    streams_.clear();
    for (auto& [id, st] : streams) {
        st->tracked = false;
        fail_stream(st, net::error::connection_aborted);
    }
    for (auto& st : accept_queue_) fail_stream(st, net::error::connection_aborted);
    accept_queue_.clear();
    ready_.clear();
    control_.clear();
    payload_stream_.reset();
}

net::awaitable<error_code> session::wait_closed() {
    auto self = shared_from_this();
    while (phase_ != phase::closed) {
        auto [ec] = co_await closed_wake_.async_wait(use_tuple);
        (void)ec;
    }
    co_return close_reason_;
}

void session::violation(std::string_view cause) {
    if (phase_ != phase::open) return;
    spdlog::warn("tunnel {}: protocol error from peer: {}; sending GO_AWAY", options_.name, cause);
    phase_ = phase::failing;
    close_reason_ = make_error_code(mux_error::protocol_error);
    fail_all_streams();
    // The writer sends GO_AWAY(protocol error), then closes. If the peer never reads it,
    // the heartbeat ends the session: we no longer read, so it goes silent.
    control_.push_back(frame_header{protocol_version, frame_type::go_away, 0, 0,
                                    static_cast<std::uint32_t>(go_away_code::protocol_error)});
    flush_then_close_ = true;
    writer_wake_.cancel();
    accept_wake_.cancel();
}

void session::fail_stream(const state_ptr& st, error_code ec) {
    if (st->finished) return;
    st->finished = true;
    st->failure = ec;
    drop_buffer(st);
    post_io(executor_, st->read_handler, ec, 0);
    post_io(executor_, st->write_handler, ec, st->write_done);
    post_done(executor_, st->shutdown_handler, ec);
}

void session::forget(const state_ptr& st) {
    if (!st->tracked) return;
    st->tracked = false;
    streams_.erase(st->id);
}

void session::maybe_forget(const state_ptr& st) {
    // Both directions are done; unread bytes stay with the handle.
    if (st->fin_sent && st->remote_fin) forget(st);
}

// ---------------------------------------------------------------------------------------
// Reader

net::awaitable<void> session::read_loop(std::shared_ptr<session> /*keep_alive*/) {
    std::size_t have = 0;
    const decode_limits limits{options_.max_incoming_data};
    for (;;) {
        if (!in_) {
            // Not zero-filled: pages the transport never writes cost no memory.
            in_size_ = idle_read_chunk;
            in_ = std::make_unique_for_overwrite<std::uint8_t[]>(in_size_);
        }
        const std::size_t space = in_size_ - have;
        auto [ec, n] = co_await transport_.async_read_some(net::buffer(in_.get() + have, space), use_tuple);
        if (phase_ != phase::open) co_return;
        if (ec) {
            close(ec);
            co_return;
        }
        last_rx_ = now();
        counters_.bytes_in += n;
        have += n;
        std::size_t pos = 0;
        while (phase_ == phase::open) {
            if (payload_active_) {
                auto take = static_cast<std::uint32_t>(std::min<std::size_t>(payload_left_, have - pos));
                if (take > 0) deliver(in_.get() + pos, take);
                pos += take;
                payload_left_ -= take;
                if (payload_left_ > 0) break;
                finish_payload();
                continue;
            }
            if (have - pos < frame_header_size) break;
            auto r = decode(std::span<const std::uint8_t>(in_.get() + pos, frame_header_size), limits);
            if (!r.ok()) {
                violation(fmt::format("{} (type {}, stream {}, length {})", to_string(r.error),
                                      in_[pos + 1], r.header.stream_id, r.header.length));
                break;
            }
            pos += frame_header_size;
            if (!handle_header(r.header)) break;
        }
        if (phase_ != phase::open) co_return;
        if (pos < have) std::memmove(in_.get(), in_.get() + pos, have - pos);
        have -= pos;
        if (n == space) {
            read_busy_ = true;
            if (in_size_ < read_chunk) {
                // The transport filled the buffer: a bulk transfer, read more at once.
                auto bigger = std::make_unique_for_overwrite<std::uint8_t[]>(read_chunk);
                std::memcpy(bigger.get(), in_.get(), have);
                in_ = std::move(bigger);
                in_size_ = read_chunk;
            }
        } else if (shrink_read_buffer_ && have == 0 && in_size_ > idle_read_chunk) {
            in_.reset();  // quiet for a heartbeat interval: back to the small buffer
        }
        shrink_read_buffer_ = false;
    }
}

bool session::handle_header(const frame_header& h) {
    switch (h.type) {
        case frame_type::ping:
            if (h.has(flag::syn)) {
                queue_control(frame_type::ping, flag::ack, 0, h.length);
            } else if (h.has(flag::ack) && ping_outstanding_ && h.length == ping_id_) {
                ping_outstanding_ = false;
                rtt_ = std::chrono::duration_cast<std::chrono::microseconds>(now() - ping_sent_at_);
                ++counters_.pings_answered;
            }
            return true;
        case frame_type::go_away: {
            remote_go_away_ = true;
            accept_wake_.cancel();
            auto code = static_cast<go_away_code>(h.length);
            if (code == go_away_code::normal) {
                spdlog::info("tunnel {}: peer is going away", options_.name);
                return true;
            }
            spdlog::warn("tunnel {}: peer sent GO_AWAY({})", options_.name,
                         code == go_away_code::protocol_error ? "protocol error" : "internal error");
            close(make_error_code(code == go_away_code::protocol_error ? mux_error::remote_protocol_error
                                                                      : mux_error::remote_internal_error));
            return false;
        }
        case frame_type::data:
        case frame_type::window_update:
            break;
    }

    if (h.has(flag::syn)) {
        bool peer_parity = (h.stream_id % 2 == 1) == (role_ == role::server);
        if (!peer_parity) {
            violation(fmt::format("stream {} opened with our id parity", h.stream_id));
            return false;
        }
        if (streams_.contains(h.stream_id)) {
            violation(fmt::format("SYN for stream {} which is already open", h.stream_id));
            return false;
        }
        if (local_go_away_ || streams_.size() >= options_.max_streams ||
            accept_queue_.size() >= options_.accept_backlog) {
            queue_control(frame_type::window_update, flag::rst, h.stream_id, 0);
            ++counters_.streams_refused;
        } else {
            incoming_stream(h.stream_id);
        }
    }

    auto it = streams_.find(h.stream_id);
    state_ptr st = it == streams_.end() ? nullptr : it->second;

    if (h.type == frame_type::data) {
        if (st && h.length > st->recv_window) {
            violation(fmt::format("DATA of {} bytes on stream {} beyond its window of {}", h.length,
                                  h.stream_id, st->recv_window));
            return false;
        }
        // After the peer's FIN nothing more may arrive on the stream: drop it.
        if (st && st->remote_fin) st = nullptr;
        payload_stream_ = st;
        payload_left_ = h.length;
        payload_flags_ = h.flags;
        payload_active_ = true;
        return true;
    }

    // WINDOW_UPDATE for a stream we no longer know (we reset it, or it ended): ignore.
    if (!st) return true;
    if (h.length > 0) {
        std::uint64_t w = std::uint64_t{st->send_window} + h.length;
        if (w > std::numeric_limits<std::uint32_t>::max()) {
            violation(fmt::format("send window of stream {} overflows", h.stream_id));
            return false;
        }
        st->send_window = static_cast<std::uint32_t>(w);
        if (st->write_handler || (st->fin_requested && !st->fin_sent)) make_ready(st);
    }
    if (h.has(flag::rst)) apply_remote_rst(st);
    else if (h.has(flag::fin)) apply_remote_fin(st);
    return true;
}

void session::deliver(const std::uint8_t* data, std::size_t n) {
    const auto& st = payload_stream_;
    if (!st || st->finished) return;
    st->recv_window -= static_cast<std::uint32_t>(n);
    if (st->orphaned) {
        // Nobody will read it; keep the peer's window open so it can finish and FIN.
        consumed(st, n);
        return;
    }
    if (st->read_handler && st->buffered() == 0) {
        std::size_t c = scatter(st->read_buffers, data, n);
        post_io(executor_, st->read_handler, {}, c);
        data += c;
        n -= c;
        if (n == 0) {
            consumed(st, c);
            return;
        }
        // The rest is buffered below; account the consumed part afterwards so the
        // grant sees the buffer as it really is.
        if (st->recv_head > 0 && st->recv_head == st->recv.size()) {
            st->recv.clear();
            st->recv_head = 0;
        }
        st->recv.insert(st->recv.end(), data, data + n);
        buffered_total_ += n;
        consumed(st, c);
        return;
    }
    if (st->recv_head > 0 && (st->recv_head == st->recv.size() || st->recv_head >= 64 * 1024)) {
        st->recv.erase(st->recv.begin(), st->recv.begin() + static_cast<std::ptrdiff_t>(st->recv_head));
        st->recv_head = 0;
    }
    st->recv.insert(st->recv.end(), data, data + n);
    buffered_total_ += n;
}

void session::finish_payload() {
    payload_active_ = false;
    auto st = std::move(payload_stream_);
    payload_stream_.reset();
    if (!st || st->finished) return;
    if (payload_flags_ & flag::rst) apply_remote_rst(st);
    else if (payload_flags_ & flag::fin) apply_remote_fin(st);
}

void session::apply_remote_fin(const state_ptr& st) {
    if (st->remote_fin || st->finished) return;
    st->remote_fin = true;
    if (st->read_handler && st->buffered() == 0) post_io(executor_, st->read_handler, net::error::eof, 0);
    maybe_forget(st);
}

void session::apply_remote_rst(const state_ptr& st) {
    fail_stream(st, net::error::connection_reset);
    forget(st);
}

// ---------------------------------------------------------------------------------------
// Stream operations

void session::stream_read(const state_ptr& st, const common::buffer_list<net::mutable_buffer>& b,
                          common::io_handler h) {
    if (st->read_handler) {
        post_io(executor_, h, net::error::in_progress, 0);
        return;
    }
    if (st->buffered() > 0) {
        std::size_t c = scatter(b, st->recv.data() + st->recv_head, st->buffered());
        st->recv_head += c;
        buffered_total_ -= c;
        if (st->recv_head == st->recv.size()) {
            st->recv.clear();
            st->recv_head = 0;
        }
        post_io(executor_, h, {}, c);
        consumed(st, c);
        return;
    }
    if (st->finished) {
        post_io(executor_, h, st->failure, 0);
        return;
    }
    if (st->remote_fin) {
        post_io(executor_, h, net::error::eof, 0);
        return;
    }
    if (total_size(b) == 0) {
        post_io(executor_, h, {}, 0);
        return;
    }
    st->read_buffers = b;
    store(st->read_handler, std::move(h));
}

void session::stream_write(const state_ptr& st, const common::buffer_list<net::const_buffer>& b,
                           common::io_handler h) {
    if (st->finished) {
        post_io(executor_, h, st->failure, 0);
        return;
    }
    if (st->fin_requested) {
        post_io(executor_, h, net::error::shut_down, 0);
        return;
    }
    if (st->write_handler) {
        post_io(executor_, h, net::error::in_progress, 0);
        return;
    }
    std::size_t total = total_size(b);
    if (total == 0) {
        post_io(executor_, h, {}, 0);
        return;
    }
    st->write_buffers = b;
    st->write_total = total;
    st->write_done = 0;
    store(st->write_handler, std::move(h));
    if (st->send_window > 0) make_ready(st);
}

void session::stream_shutdown(const state_ptr& st, common::done_handler h) {
    if (st->finished) {
        post_done(executor_, h, st->failure);
        return;
    }
    if (st->fin_requested || st->shutdown_handler) {
        post_done(executor_, h, st->fin_sent ? error_code{} : error_code{net::error::in_progress});
        return;
    }
    st->fin_requested = true;
    store(st->shutdown_handler, std::move(h));
    make_ready(st);
}

void session::stream_close(const state_ptr& st) {
    if (st->finished) return;
    bool tell_peer = st->tracked && phase_ == phase::open;
    fail_stream(st, net::error::operation_aborted);
    forget(st);
    if (tell_peer) queue_control(frame_type::window_update, flag::rst, st->id, 0);
}

void session::stream_release(const state_ptr& st) {
    if (st->finished || !st->tracked) {
        drop_buffer(st);
        return;
    }
    if (!st->fin_requested) {
        stream_close(st);
        return;
    }
    post_io(executor_, st->read_handler, net::error::operation_aborted, 0);
    post_io(executor_, st->write_handler, net::error::operation_aborted, st->write_done);
    std::size_t n = st->buffered();
    drop_buffer(st);
    st->orphaned = true;
    if (st->remote_fin) {
        maybe_forget(st);  // FIN may still be queued: the writer forgets it once sent
        return;
    }
    consumed(st, n);
}

// ---------------------------------------------------------------------------------------
// Flow control

void session::drop_buffer(const state_ptr& st) {
    buffered_total_ -= st->buffered();
    std::vector<std::uint8_t>().swap(st->recv);
    st->recv_head = 0;
}

void session::consumed(const state_ptr& st, std::size_t n) {
    if (n == 0) return;
    maybe_grant(st);
    if (!owed_windows_.empty() && buffered_total_ < options_.session_buffer_cap) {
        auto owed = std::move(owed_windows_);
        owed_windows_.clear();
        for (auto id : owed) {
            auto it = streams_.find(id);
            if (it == streams_.end()) continue;
            auto other = it->second;
            other->grant_owed = false;
            maybe_grant(other);
        }
    }
}

// What a new stream is promised: the configured initial window, or the largest one an earlier
// stream of this session grew to, while all promises together stay within half the session's
// buffer cap (the bound window growth keeps too).
std::uint32_t session::starting_window() const {
    const std::uint32_t configured = options_.initial_window;
    if (learned_window_ <= configured) return configured;
    std::size_t promised = 0;
    for (const auto& entry : streams_) promised += entry.second->recv_window_max;
    const std::size_t half_cap = options_.session_buffer_cap / 2;
    const std::size_t room = half_cap > promised ? half_cap - promised : 0;
    return static_cast<std::uint32_t>(std::clamp<std::size_t>(room, configured, learned_window_));
}

void session::maybe_grant(const state_ptr& st) {
    if (!st->tracked || st->finished || st->remote_fin || phase_ != phase::open) return;
    std::uint64_t used = std::uint64_t{st->buffered()} + st->recv_window;
    if (used >= st->recv_window_max) return;
    auto delta = static_cast<std::uint32_t>(st->recv_window_max - used);
    if (delta < st->recv_window_max / 2) return;
    if (buffered_total_ >= options_.session_buffer_cap) {
        if (!st->grant_owed) {
            st->grant_owed = true;
            owed_windows_.push_back(st->id);
        }
        return;
    }
    auto t = now();
    // The reader drained half a window within about two round trips: the window, not the
    // reader, limits the transfer. Grow it while the session has room to spare.
    if (rtt_.count() > 0 && st->recv_window_max < options_.max_window && t - st->last_grant < 2 * rtt_ &&
        buffered_total_ + 2 * std::size_t{st->recv_window_max} <= options_.session_buffer_cap / 2) {
        st->recv_window_max =
            static_cast<std::uint32_t>(std::min<std::uint64_t>(2ull * st->recv_window_max, options_.max_window));
        learned_window_ = std::max(learned_window_, st->recv_window_max);
        delta = static_cast<std::uint32_t>(st->recv_window_max - used);
    }
    st->last_grant = t;
    st->recv_window += delta;
    ++counters_.window_updates_sent;
    queue_control(frame_type::window_update, 0, st->id, delta);
}

// ---------------------------------------------------------------------------------------
// Writer

void session::wake_writer() { writer_wake_.cancel(); }

void session::queue_control(frame_type type, std::uint16_t flags, std::uint32_t id,
                            std::uint32_t len) {
    if (phase_ != phase::open) return;
    control_.push_back(frame_header{protocol_version, type, flags, id, len});
    wake_writer();
}

void session::make_ready(const state_ptr& st) {
    if (st->in_ready || st->finished || phase_ != phase::open) return;
    st->in_ready = true;
    ready_.push_back(st);
    wake_writer();
}

bool session::emit_from(const state_ptr& st) {
    if (st->finished) return false;
    if (st->write_handler) {
        if (st->send_window == 0) return false;  // made ready again by WINDOW_UPDATE
        std::size_t n = std::min<std::size_t>(
            {st->write_total - st->write_done, st->send_window, options_.max_frame_payload});
        append_header(out_, frame_header{protocol_version, frame_type::data, 0, st->id,
                                         static_cast<std::uint32_t>(n)});
        gather(out_, st->write_buffers, st->write_done, n);
        st->send_window -= static_cast<std::uint32_t>(n);
        st->write_done += n;
        if (st->write_done == st->write_total || st->send_window == 0) {
            std::size_t done = st->write_done;
            st->write_done = st->write_total = 0;
            post_io(executor_, st->write_handler, {}, done);
        }
        if (st->write_handler) return st->send_window > 0;
        return st->fin_requested && !st->fin_sent;
    }
    if (st->fin_requested && !st->fin_sent) {
        append_header(out_, frame_header{protocol_version, frame_type::window_update, flag::fin, st->id, 0});
        st->fin_sent = true;
        post_done(executor_, st->shutdown_handler, {});
        maybe_forget(st);
    }
    return false;
}

net::awaitable<void> session::write_loop(std::shared_ptr<session> /*keep_alive*/) {
    for (;;) {
        if (phase_ == phase::closed) co_return;
        if (control_.empty() && ready_.empty()) {
            if (flush_then_close_) {
                close(close_reason_);
                co_return;
            }
            auto [ec] = co_await writer_wake_.async_wait(use_tuple);
            (void)ec;
            continue;
        }
        out_.clear();
        if (!ready_.empty()) wrote_data_ = true;
        for (const auto& h : control_) append_header(out_, h);
        control_.clear();
        while (!ready_.empty() && out_.size() < write_batch) {
            auto st = std::move(ready_.front());
            ready_.pop_front();
            st->in_ready = false;
            if (emit_from(st) && phase_ == phase::open) {
                st->in_ready = true;
                ready_.push_back(std::move(st));
            }
        }
        writing_ = true;
        auto [ec, n] = co_await net::async_write(transport_, net::buffer(out_), use_tuple);
        writing_ = false;
        if (phase_ == phase::closed) co_return;
        if (ec) {
            close(ec);
            co_return;
        }
        counters_.bytes_out += n;
    }
}

// ---------------------------------------------------------------------------------------
// Heartbeat

net::awaitable<void> session::heartbeat_loop(std::shared_ptr<session> /*keep_alive*/) {
    last_rx_ = now();
    for (;;) {
        if (phase_ == phase::closed) co_return;
        auto t = now();
        if (t - last_rx_ >= options_.dead_after) {
            spdlog::warn("tunnel {}: nothing received for {} ms, closing", options_.name,
                         std::chrono::duration_cast<std::chrono::milliseconds>(t - last_rx_).count());
            close(make_error_code(mux_error::heartbeat_timeout));
            co_return;
        }
        // No DATA for a whole interval: the write batch goes back to the allocator.
        if (!wrote_data_ && !writing_ && out_.capacity() > idle_write_capacity) std::vector<std::uint8_t>().swap(out_);
        wrote_data_ = false;
        // Likewise the read buffer, on the reader's next pass (a read is pending on it now).
        shrink_read_buffer_ = !read_busy_;
        read_busy_ = false;
        if (phase_ == phase::open) {
            ++ping_id_;
            ping_outstanding_ = true;
            ping_sent_at_ = t;
            queue_control(frame_type::ping, flag::syn, 0, ping_id_);
        }
        heartbeat_timer_.expires_after(options_.ping_interval);
        auto [ec] = co_await heartbeat_timer_.async_wait(use_tuple);
        (void)ec;
    }
}

}  // namespace printgate::tunnel
