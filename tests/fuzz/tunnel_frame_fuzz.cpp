// Tunnel bytes come from the other end of the internet (relay side) or from a relay that
// may be compromised (edge side): the frame decoder and a whole session fed arbitrary
// bytes must never crash, hang, or hold on to more than their limits.
//
// Input: byte 0 picks the transport read size (1..256 bytes per read), the rest is what
// the peer "sends". The session accepts and reads every stream the peer opens, and
// answers on some, so that windows, FIN/RST handling and the writer all run.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "printgate/common/any_stream.hpp"
#include "printgate/tunnel/frame.hpp"
#include "printgate/tunnel/session.hpp"

namespace {

namespace net = boost::asio;
using boost::system::error_code;
using namespace printgate::tunnel;

// Reads return the fuzz input in fixed-size pieces, then EOF; writes are swallowed.
struct memory_transport {
    using executor_type = net::any_io_executor;
    net::any_io_executor ex;
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    std::size_t pos = 0;
    std::size_t chunk = 1;
    bool closed = false;

    executor_type get_executor() const { return ex; }

    template <class Buffers, class Handler>
    void async_read_some(const Buffers& buffers, Handler&& handler) {
        error_code ec;
        std::size_t n = 0;
        if (closed) {
            ec = net::error::operation_aborted;
        } else if (pos == size) {
            ec = net::error::eof;
        } else {
            n = net::buffer_copy(buffers, net::buffer(data + pos, std::min(chunk, size - pos)));
            pos += n;
        }
        net::post(ex, [h = std::forward<Handler>(handler), ec, n]() mutable { std::move(h)(ec, n); });
    }

    template <class Buffers, class Handler>
    void async_write_some(const Buffers& buffers, Handler&& handler) {
        error_code ec = closed ? error_code(net::error::operation_aborted) : error_code();
        std::size_t n = closed ? 0 : net::buffer_size(buffers);
        net::post(ex, [h = std::forward<Handler>(handler), ec, n]() mutable { std::move(h)(ec, n); });
    }

    template <class Handler>
    void async_shutdown(Handler&& handler) {
        net::post(ex, [h = std::forward<Handler>(handler)]() mutable { std::move(h)(error_code()); });
    }

    void close() { closed = true; }
};

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

net::awaitable<void> serve_stream(stream s, bool answer) {
    std::array<char, 4096> buf{};
    for (int i = 0; i < 64; ++i) {
        auto [ec, n] = co_await s.async_read_some(net::buffer(buf), use_tuple);
        if (ec) break;
        if (answer && n > 0) co_await s.async_write_some(net::buffer(buf.data(), n), use_tuple);
    }
    if (answer) co_await s.async_shutdown(use_tuple);
    else s.close();
}

net::awaitable<void> accept_all(std::shared_ptr<session> s) {
    for (int i = 0;; ++i) {
        auto [ec, st] = co_await s->accept_stream();
        if (ec) co_return;
        net::co_spawn(s->get_executor(), serve_stream(std::move(st), i % 2 == 0), net::detached);
    }
}

// A stream of our own, so that the peer's frames can address it too. (A named function:
// GCC 12 mangles two coroutine lambdas inside an extern "C" function to the same symbol.)
net::awaitable<void> open_one(std::shared_ptr<session> s) {
    auto [ec, st] = co_await s->open_stream();
    if (!ec) co_await serve_stream(std::move(st), true);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool quiet = (spdlog::set_level(spdlog::level::off), true);  // one line per bad input otherwise
    (void)quiet;
    // The decoder alone, at every offset.
    for (std::size_t at = 0; at + frame_header_size <= size && at < 4096; ++at) {
        auto r = decode(std::span<const std::uint8_t>(data + at, frame_header_size), decode_limits{1000});
        if (r.ok()) {
            auto again = encode(r.header);
            if (!std::equal(again.begin(), again.end(), data + at)) __builtin_trap();
        }
    }
    if (size == 0) return 0;

    net::io_context io;
    memory_transport t;
    t.ex = io.get_executor();
    t.chunk = 1 + data[0];
    t.data = data + 1;
    t.size = size - 1;
    session_options opts;
    opts.name = "fuzz";
    opts.max_streams = 8;
    opts.accept_backlog = 4;
    opts.session_buffer_cap = 64 * 1024;
    opts.max_incoming_data = 64 * 1024;
    auto s = session::create(printgate::common::any_stream(std::move(t)), role::server, opts);
    s->start();
    net::co_spawn(io, accept_all(s), net::detached);
    net::co_spawn(io, open_one(s), net::detached);
    io.run_for(std::chrono::seconds(20));
    if (!io.stopped()) __builtin_trap();  // a session that never ends on EOF: a hang
    return 0;
}
