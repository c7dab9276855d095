#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <limits>
#include <printgate/camera/http_mjpeg_source.hpp>
#include <printgate/common/connection_deadline.hpp>
#include <printgate/camera/jpeg.hpp>

namespace printgate::camera {

namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

std::string base64(std::string_view in) {
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += table[(v >> 18) & 63];
        out += table[(v >> 12) & 63];
        out += (i + 1 < in.size()) ? table[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

bool clean(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\0'; });
}

}  // namespace

std::optional<http_url> parse_http_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (url.size() > 2048 || url.substr(0, scheme.size()) != scheme) return std::nullopt;
    url.remove_prefix(scheme.size());
    http_url out;
    auto slash = url.find('/');
    auto authority = url.substr(0, slash);
    out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
        out.authorization = "Basic " + base64(authority.substr(0, at));
        authority.remove_prefix(at + 1);
    }
    if (!authority.empty() && authority.front() == '[') {  // [v6]:port
        auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (!authority.empty()) {
            if (authority.front() != ':') return std::nullopt;
            out.port = std::string(authority.substr(1));
        }
    } else {
        auto colon = authority.rfind(':');
        out.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
    }
    if (out.host.empty() || out.port.empty() || out.port.size() > 5 ||
        !std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    if (!clean(out.host) || !clean(out.target)) return std::nullopt;
    return out;
}

struct http_mjpeg_source::run_state {
    explicit run_state(const net::any_io_executor& ex) : socket(ex), resolver(ex), timer(ex), watchdog(ex) {}
    tcp::socket socket;          // while connecting
    common::any_stream stream;   // once connected: the request and the answer
    tcp::resolver resolver;
    net::steady_timer timer;     // backoff
    net::steady_timer watchdog;  // connect deadline
    bool stopped = false;
};

http_mjpeg_source::http_mjpeg_source(std::shared_ptr<frame_hub> hub, const clock& clk, std::string url,
                                     http_source_options options)
    : hub_(std::move(hub)), clock_(clk), url_(std::move(url)), options_(options) {}

http_mjpeg_source::~http_mjpeg_source() {
    stop();
}

void http_mjpeg_source::start() {
    if (run_) return;
    run_ = std::make_shared<run_state>(hub_->executor());
    net::co_spawn(hub_->executor(), run(run_), net::detached);
}

void http_mjpeg_source::stop() {
    if (!run_) return;
    run_->stopped = true;
    error_code ec;
    run_->resolver.cancel();
    run_->socket.close(ec);
    run_->stream.close();
    run_->timer.cancel();
    run_->watchdog.cancel();
    run_.reset();
}

net::awaitable<void> http_mjpeg_source::run(std::shared_ptr<run_state> run) {
    auto url = parse_http_url(url_);
    if (!url) {
        last_error_ = "url: not an http:// address";
        co_return;
    }
    auto backoff = options_.backoff_min;
    while (!run->stopped) {
        bool got_frames = co_await session(run, *url);
        if (run->stopped) co_return;  // `this` may be gone: touch nothing
        error_code ec;
        run->socket.close(ec);
        run->stream.close();
        run->stream = common::any_stream{};
        if (got_frames) backoff = options_.backoff_min;
        spdlog::debug("camera http source: {}; retrying in {} ms", last_error_, backoff.count());
        run->timer.expires_after(backoff);
        co_await run->timer.async_wait(net::as_tuple(net::use_awaitable));
        if (run->stopped) co_return;
        backoff = std::min(backoff * 2, options_.backoff_max);
    }
}

// One connection. Returns whether it delivered at least one picture.
net::awaitable<bool> http_mjpeg_source::session(std::shared_ptr<run_state> run, const http_url& url) {
    auto arm = [run](std::chrono::milliseconds t) {
        run->watchdog.expires_after(t);
        run->watchdog.async_wait([run](error_code ec) {
            if (!ec && !run->stopped) {
                error_code ignored;
                run->socket.close(ignored);
            }
        });
    };
    auto [rec, endpoints] = co_await run->resolver.async_resolve(url.host, url.port, net::as_tuple(net::use_awaitable));
    if (run->stopped) co_return false;
    if (rec) {
        last_error_ = "resolve " + url.host + ": " + rec.message();
        co_return false;
    }
    arm(options_.connect_timeout);
    auto [cec, ep] = co_await net::async_connect(run->socket, endpoints, net::as_tuple(net::use_awaitable));
    (void)ep;
    if (run->stopped) co_return false;
    if (cec) {
        last_error_ = "connect " + url.host + ":" + url.port + ": " + cec.message();
        co_return false;
    }
    run->watchdog.cancel();
    run->stream = common::any_stream(std::move(run->socket), url.host + ":" + url.port);
    run->socket = tcp::socket(hub_->executor());
    std::string request = "GET " + url.target + " HTTP/1.1\r\nHost: " + url.host +
                          (url.port == "80" ? "" : ":" + url.port) +
                          "\r\nUser-Agent: printgate\r\nAccept: multipart/x-mixed-replace, */*\r\n";
    if (!url.authorization.empty()) request += "Authorization: " + url.authorization + "\r\n";
    request += "Connection: close\r\n\r\n";
    auto [wec, wn] = co_await net::async_write(run->stream, net::buffer(request), net::as_tuple(net::use_awaitable));
    (void)wn;
    if (run->stopped) co_return false;
    if (wec) {
        last_error_ = "send request: " + wec.message();
        co_return false;
    }
    // on_connected runs inside the read, right after a check of `stopped`: `this` is alive.
    auto result = co_await read_mjpeg_response(run->stream, hub_, clock_, options_, run->stopped,
                                               [this] { ++connects_; });
    if (run->stopped) co_return result.got_frames;  // `this` may be gone: touch nothing
    last_error_ = result.error;
    co_return result.got_frames;
}

net::awaitable<mjpeg_read_result> read_mjpeg_response(common::any_stream& stream, std::shared_ptr<frame_hub> hub,
                                                      const clock& clk, const http_source_options& options,
                                                      const bool& stopped, const std::function<void()>& on_connected) {
    mjpeg_read_result out;
    // Closes a silent stream; disarmed (and blind to a late expiry) once this returns.
    common::connection_deadline deadline(stream);
    auto arm = [&] { deadline.arm(options.read_timeout); };

    boost::beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    arm();
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    (void)hn;
    if (stopped) co_return out;
    if (hec) {
        out.error = "read response: " + hec.message();
        co_return out;
    }
    const auto& res = parser.get();
    if (res.result_int() != 200) {
        out.error = "camera answered HTTP " + std::to_string(res.result_int());
        co_return out;
    }
    std::string boundary;
    auto content_type = std::string_view(res[http::field::content_type]);
    if (content_type.substr(0, 10) == "multipart/") {
        auto b = boundary_from_content_type(content_type);
        if (!b) {
            out.error = "multipart response without a usable boundary";
            co_return out;
        }
        boundary = *b;
    }  // otherwise (ffmpeg's application/octet-stream) the parser learns it from the body
    out.connected = true;
    if (on_connected) on_connected();
    multipart_parser mp(boundary, options.limits);
    auto on_part = [&](multipart_part&& part) {
        auto type = part.header("Content-Type");
        if (!type.empty() && type != "image/jpeg" && type != "image/jpg") return;
        auto fixed = with_huffman_tables(part.body);
        if (fixed.empty()) return;  // not a JPEG: skip the part, keep the stream
        frame f;
        f.grab_time = clk.now();
        f.encode_time = f.grab_time;
        if (auto size = jpeg_dimensions(fixed)) {
            f.width = size->width;
            f.height = size->height;
        }
        f.jpeg = std::move(fixed);
        hub->publish(std::move(f));
        out.got_frames = true;
    };
    std::vector<std::uint8_t> chunk(64 * 1024);
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        arm();
        // read_some, not read: http::async_read with a buffer_body returns only once the
        // 64 KiB chunk is full, so pictures smaller than that (a 640x480 JPEG is about 20 KiB)
        // reached the hub three at a time and every viewer's slot kept only the last of each
        // burst: 15 fps in, 4 fps out. Each picture goes to the hub as soon as it is read.
        auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, net::as_tuple(net::use_awaitable));
        (void)n;
        if (stopped) co_return out;
        if (ec == http::error::need_buffer) ec = {};
        std::size_t filled = chunk.size() - parser.get().body().size;
        if (filled > 0) {
            auto err = mp.feed(std::span<const std::uint8_t>(chunk.data(), filled), on_part);
            if (err != multipart_error::none) {
                out.error = std::string(to_string(err));
                co_return out;
            }
        }
        if (ec) {
            out.error = "read stream: " + ec.message();
            co_return out;
        }
    }
    out.error = "camera ended the stream";
    co_return out;
}

}  // namespace printgate::camera
