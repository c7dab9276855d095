#include "proxy.hpp"

#include <algorithm>
#include <chrono>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "offline_page.hpp"
#include "proxy_websocket.hpp"

namespace printgate::relay {

namespace net = boost::asio;
namespace beast = boost::beast;
using namespace net::experimental::awaitable_operators;

namespace {

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

// Beast reports a full body buffer (or one consumed by the writer) as need_buffer: for a
// pump that is the normal case.
error_code pumped(error_code ec) { return ec == http::error::need_buffer ? error_code{} : ec; }

void reserve_room(beast::flat_buffer& buffer, std::size_t bytes) {
    if (buffer.capacity() - buffer.size() < bytes)
        buffer.reserve(std::min(buffer.size() + bytes, buffer.max_size()));
}

// Parses the body bytes that already arrived with a response's head (a small answer is
// usually all there) into `chunk`, so that they leave with the head: one TLS record and
// one send instead of two. Returns how many body bytes `chunk` now holds.
std::size_t take_buffered_body(http::response_parser<http::buffer_body>& parser, beast::flat_buffer& buffer,
                               std::vector<char>& chunk, error_code& ec) {
    auto& body = parser.get().body();
    body.data = chunk.data();
    body.size = chunk.size();
    while (buffer.size() > 0 && body.size > 0 && !parser.is_done()) {
        const auto used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        if (ec == http::error::need_more || ec == http::error::need_buffer) {
            ec = {};
            break;
        }
        if (ec || used == 0) break;
    }
    return chunk.size() - body.size;
}

std::string client_address(const peer_info& peer) {
    auto address = peer.address;
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
    return address.to_string();
}

}  // namespace

proxy::proxy(common::any_stream& browser, beast::flat_buffer& browser_buffer,
             proxy_deadline& deadline, const browser_options& options, device_directory& devices,
             browser_stats& stats, const peer_info& peer)
    : browser_(browser), browser_buffer_(browser_buffer), deadline_(deadline), options_(options),
      devices_(devices), stats_(stats), peer_(peer),
      upstream_buffer_(options.max_response_header_bytes + options.chunk_bytes),
      up_chunk_(options.chunk_bytes), down_chunk_(options.chunk_bytes) {}

proxy::~proxy() { drop_upstream(); }

void proxy::abort_upstream() {
    if (upstream_) upstream_.close();
    upstream_broken_ = true;
}

void proxy::drop_upstream() {
    if (upstream_) upstream_.close();
    upstream_ = common::any_stream{};
    upstream_device_.clear();
    upstream_buffer_.clear();
    upstream_broken_ = false;
}

void proxy::note_buffers() {
    stats_.note_buffer_bytes(browser_buffer_.capacity() + upstream_buffer_.capacity() +
                             up_chunk_.size() + down_chunk_.size());
}

net::awaitable<proxy::outcome> proxy::forward(request_parser& parser, const request_check& check,
                                              std::string_view device, std::string_view host,
                                              std::string_view user) {
    auto& req = parser.get();
    if (upstream_ && (upstream_device_ != device || upstream_broken_)) drop_upstream();
    if (!upstream_) {
        auto [ec, stream] = co_await devices_.open_stream(device);
        if (ec || !stream) {
            auto reply = offline_reply(device, devices_.presence(device),
                                       std::chrono::system_clock::now(),
                                       options_.offline_retry_after);
            reply.close = !parser.is_done();
            const auto wec = co_await write_reply(browser_, reply, req.version(), req.keep_alive(),
                                                  req.method() == http::verb::head);
            co_return (wec || reply.close || !req.keep_alive()) ? outcome::close
                                                                : outcome::keep_alive;
        }
        upstream_ = std::move(stream);
        upstream_device_ = std::string(device);
        upstream_buffer_.clear();
        ++stats_.upstream_streams;
    }
    device_ = std::string(device);
    reading_browser_ = false;
    response_done_ = false;
    upstream_reusable_ = false;

    http::request<http::buffer_body> out;
    if (req.method() == http::verb::unknown)
        out.method_string(req.method_string());
    else
        out.method(req.method());
    out.target(req.target());
    out.version(11);
    const auto address = client_address(peer_);
    make_upstream_fields(req.base(), out.base(), {address, host, user}, check.websocket_upgrade);
    if (req.chunked())
        out.chunked(true);
    else if (auto length = parser.content_length(); length && *length > 0)
        out.content_length(*length);

    error_code request_ec;
    outcome result = outcome::close;
    if (parser.is_done()) {
        // No body to stream (most requests): the head goes, then the answer comes back. No
        // second coroutine is needed for a request half that has nothing left to send.
        request_ec = co_await send_request(parser, out);
        if (!request_ec) result = co_await relay_response(parser, check);
    } else {
        std::tie(request_ec, result) = co_await (send_request(parser, out) && relay_response(parser, check));
    }
    // Both halves are done: nothing is pending on the device stream any more.
    if (request_ec || !parser.is_done()) {
        drop_upstream();
        co_return outcome::close;
    }
    if (!upstream_reusable_ || upstream_broken_) drop_upstream();
    co_return result;
}

net::awaitable<error_code> proxy::send_request(request_parser& parser,
                                               http::request<http::buffer_body>& out) {
    http::request_serializer<http::buffer_body> serializer{out};
    out.body().data = nullptr;
    out.body().size = 0;
    out.body().more = !parser.is_done();
    // The head goes first on its own: with "Expect: 100-continue" the browser sends the body
    // only after the device's 100 came back through relay_response.
    auto [ec, n] = co_await http::async_write(upstream_, serializer, tuple_awaitable);
    ec = pumped(ec);
    if (ec) co_return ec;
    deadline_.touch();

    auto& body = parser.get().body();
    // Beast reads as much as the buffer has room for, but at least 512 bytes: without room,
    // a body would cross the tunnel in 512-byte frames, a TLS record and a syscall each.
    if (!parser.is_done()) reserve_room(browser_buffer_, options_.chunk_bytes);
    while (!parser.is_done()) {
        if (response_done_) co_return http::error::partial_message;  // answered before the body ended
        body.data = up_chunk_.data();
        body.size = up_chunk_.size();
        reading_browser_ = true;
        // read_some: whatever has arrived goes on at once, never waiting for a full chunk.
        auto [rec, rn] = co_await http::async_read_some(browser_, browser_buffer_, parser,
                                                        tuple_awaitable);
        reading_browser_ = false;
        rec = pumped(rec);
        if (rec) {
            // The browser left or sent a broken body: the device saw half a request.
            abort_upstream();
            co_return rec;
        }
        note_buffers();
        const auto got = up_chunk_.size() - body.size;
        deadline_.touch();
        if (got == 0 && !parser.is_done()) continue;  // only framing (a chunk header) came
        // No data: a null pointer, or Beast would frame an empty chunk (a premature end).
        out.body().data = got > 0 ? up_chunk_.data() : nullptr;
        out.body().size = got;
        out.body().more = !parser.is_done();
        auto [wec, wn] = co_await http::async_write(upstream_, serializer, tuple_awaitable);
        wec = pumped(wec);
        if (wec) co_return wec;
        stats_.bytes_to_device += got;
        deadline_.touch();
    }
    co_return error_code{};
}

net::awaitable<void> proxy::fail_response(request_parser& parser, unsigned status,
                                          std::string_view title, std::string_view message) {
    auto reply = html_page(status, title, message);
    reply.close = true;
    const auto& req = parser.get();
    (void)co_await write_reply(browser_, reply, req.version(), false,
                               req.method() == http::verb::head);
}

net::awaitable<proxy::outcome> proxy::relay_response(request_parser& parser,
                                                     const request_check& check) {
    const auto& req = parser.get();
    const bool head_request = req.method() == http::verb::head;
    // Whatever happens below, a request half still waiting for body bytes that nobody will
    // read is ended by closing the browser side.
    struct finish_guard {
        proxy& self;
        ~finish_guard() {
            self.response_done_ = true;
            if (self.reading_browser_) self.browser_.close();
        }
    } guard{*this};

    for (;;) {
        http::response_parser<http::buffer_body> res_parser;
        res_parser.header_limit(static_cast<std::uint32_t>(options_.max_response_header_bytes));
        res_parser.body_limit(boost::none);
        if (head_request) res_parser.skip(true);

        auto [ec, n] = co_await http::async_read_header(upstream_, upstream_buffer_, res_parser,
                                                        tuple_awaitable);
        if (ec) {
            spdlog::info("relay: {} did not answer {} {}: {}", device_, req.method_string(),
                         req.target(), ec.message());
            abort_upstream();
            co_await fail_response(parser, 502, device_ + " did not answer",
                                   device_ + " closed the connection before answering. "
                                             "Try again in a moment.");
            co_return outcome::close;
        }
        note_buffers();
        deadline_.touch();
        auto& res = res_parser.get();
        const unsigned status = res.result_int();

        if (status == 101) {
            if (!check.websocket_upgrade) {
                abort_upstream();
                co_await fail_response(parser, 502, "Unexpected upgrade",
                                       device_ + " switched protocols without being asked to.");
                co_return outcome::close;
            }
            http::response<http::empty_body> switching{res.result(), 11};
            switching.reason(res.reason());
            make_downstream_fields(res.base(), switching.base(), true);
            auto [wec, wn] = co_await http::async_write(browser_, switching, tuple_awaitable);
            if (wec) co_return outcome::close;
            websocket_pump pump(browser_, browser_buffer_, upstream_, upstream_buffer_, deadline_,
                                options_, stats_);
            co_await pump.run();
            abort_upstream();
            co_return outcome::close;
        }
        if (status / 100 == 1) {
            // 100 Continue, 102, 103 Early Hints: pass on and wait for the final answer.
            http::response<http::empty_body> interim{res.result(), 11};
            interim.reason(res.reason());
            make_downstream_fields(res.base(), interim.base(), false);
            auto [wec, wn] = co_await http::async_write(browser_, interim, tuple_awaitable);
            if (wec) {
                abort_upstream();
                co_return outcome::close;
            }
            continue;
        }

        http::response<http::buffer_body> out{res.result(), req.version() == 10 ? 10u : 11u};
        out.reason(res.reason());
        make_downstream_fields(res.base(), out.base(), false);
        const bool bodiless = head_request || status == 204 || status == 304;
        bool close_delimited = false;
        if (bodiless) {
            if (head_request && res.count(http::field::content_length) != 0)
                out.set(http::field::content_length, res[http::field::content_length]);
        } else if (auto length = res_parser.content_length()) {
            out.content_length(*length);
        } else if (req.version() == 11) {
            out.chunked(true);  // chunked, or delimited by the device closing: chunked here
        } else {
            close_delimited = true;  // an HTTP/1.0 browser: end the body by closing
        }
        const bool browser_keep = req.keep_alive() && !close_delimited;
        out.keep_alive(browser_keep);

        std::size_t with_head = 0;
        if (!bodiless && !res_parser.is_done() && upstream_buffer_.size() > 0) {
            error_code pec;
            with_head = take_buffered_body(res_parser, upstream_buffer_, down_chunk_, pec);
            if (pec) {
                spdlog::info("relay: {} sent a broken response body: {}", device_, pec.message());
                abort_upstream();
                co_await fail_response(parser, 502, device_ + " sent a broken answer",
                                       device_ + " answered with a body that is not valid HTTP.");
                co_return outcome::close;
            }
        }
        http::response_serializer<http::buffer_body> serializer{out};
        out.body().data = with_head > 0 ? down_chunk_.data() : nullptr;
        out.body().size = with_head;
        out.body().more = !bodiless && !res_parser.is_done();
        auto [hec, hn] = co_await http::async_write(browser_, serializer, tuple_awaitable);
        hec = pumped(hec);
        if (hec) {
            abort_upstream();
            co_return outcome::close;
        }
        stats_.bytes_to_browser += with_head;
        deadline_.touch();

        auto& body = res.body();
        if (!res_parser.is_done()) reserve_room(upstream_buffer_, options_.chunk_bytes);
        while (!res_parser.is_done()) {
            body.data = down_chunk_.data();
            body.size = down_chunk_.size();
            // read_some: a part of an endless MJPEG stream or one server-sent event goes to
            // the browser as soon as it arrives.
            auto [rec, rn] = co_await http::async_read_some(upstream_, upstream_buffer_,
                                                            res_parser, tuple_awaitable);
            rec = pumped(rec);
            if (rec) {
                // What did arrive still goes out before the connection ends.
                if (const auto partial = down_chunk_.size() - body.size; partial > 0) {
                    out.body().data = down_chunk_.data();
                    out.body().size = partial;
                    out.body().more = true;
                    auto [pec, pn] = co_await http::async_write(browser_, serializer, tuple_awaitable);
                    (void)pec;
                    stats_.bytes_to_browser += partial;
                }
                // The device went away mid-response: the browser cannot get a complete
                // answer, so its connection ends here rather than hang.
                spdlog::info("relay: {} broke off a response: {}", device_, rec.message());
                abort_upstream();
                co_return outcome::close;
            }
            note_buffers();
            const auto got = down_chunk_.size() - body.size;
            deadline_.touch();
            if (got == 0 && !res_parser.is_done()) continue;
            out.body().data = got > 0 ? down_chunk_.data() : nullptr;
            out.body().size = got;
            out.body().more = !res_parser.is_done();
            auto [wec, wn] = co_await http::async_write(browser_, serializer, tuple_awaitable);
            wec = pumped(wec);
            if (wec) {
                abort_upstream();
                co_return outcome::close;
            }
            stats_.bytes_to_browser += got;
            deadline_.touch();
        }
        if (bodiless && !serializer.is_done()) {
            // Only the head was written; finish the serializer without a body.
            out.body().more = false;
            auto [fec, fn] = co_await http::async_write(browser_, serializer, tuple_awaitable);
            if (pumped(fec)) co_return outcome::close;
        }
        upstream_reusable_ = res.keep_alive() && !res_parser.need_eof();
        co_return browser_keep ? outcome::keep_alive : outcome::close;
    }
}

}  // namespace printgate::relay
