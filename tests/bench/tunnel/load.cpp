#include "load.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>
#include <chrono>
#include <memory>

namespace printgate::bench {

using net::ip::tcp;
using boost::system::error_code;

namespace {

std::uint64_t content_length(const std::string& head) {
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    auto at = lower.find("content-length:");
    if (at == std::string::npos) return 0;
    return std::stoull(head.substr(at + 15));
}

// The N of a "GET /bytes/N " request (at most 64 GiB); nullopt for any other request.
std::optional<std::uint64_t> download_size(const std::string& head) {
    constexpr std::string_view prefix = "GET /bytes/";
    if (!head.starts_with(prefix)) return std::nullopt;
    std::uint64_t n = 0;
    const char* first = head.data() + prefix.size();
    const auto [end, ec] = std::from_chars(first, head.data() + head.size(), n);
    if (ec != std::errc{} || end == first || *end != ' ' || n > (64ull << 30)) return std::nullopt;
    return n;
}

// A connection to the measured path: plain TCP, or TLS with SNI (no verification: the
// bench measures transport cost, the tests check certificates).
class client_connection {
public:
    client_connection(net::io_context& io, const target& t) : socket_(io), tls_ctx_(net::ssl::context::tls_client) {
        socket_.connect({net::ip::make_address("127.0.0.1"), t.port});
        socket_.set_option(tcp::no_delay(true));
        if (t.tls) {
            tls_ctx_.set_verify_mode(net::ssl::verify_none);
            // What browsers offer first (Chrome, Firefox): AES-128-GCM.
            SSL_CTX_set_ciphersuites(tls_ctx_.native_handle(),
                                     "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256");
            tls_ = std::make_unique<net::ssl::stream<tcp::socket&>>(socket_, tls_ctx_);
            SSL_set_tlsext_host_name(tls_->native_handle(), t.host.c_str());
            tls_->handshake(net::ssl::stream_base::client);
        }
    }
    void write(net::const_buffer b) {
        if (tls_) net::write(*tls_, b);
        else net::write(socket_, b);
    }
    // Reads one response head and body; returns the head.
    std::string read_response() {
        std::size_t n = tls_ ? net::read_until(*tls_, buffer_, "\r\n\r\n") : net::read_until(socket_, buffer_, "\r\n\r\n");
        std::string head(net::buffers_begin(buffer_.data()), net::buffers_begin(buffer_.data()) + static_cast<long>(n));
        buffer_.consume(n);
        // The body is read and dropped as it comes: a download of any size holds 64 KiB.
        for (std::uint64_t body = content_length(head); body > 0;) {
            if (buffer_.size() == 0) {
                auto space = buffer_.prepare(65536);
                std::size_t got = tls_ ? tls_->read_some(space) : socket_.read_some(space);
                buffer_.commit(got);
            }
            const auto take = std::min<std::uint64_t>(body, buffer_.size());
            buffer_.consume(take);
            body -= take;
        }
        return head;
    }

private:
    tcp::socket socket_;
    net::ssl::context tls_ctx_;
    std::unique_ptr<net::ssl::stream<tcp::socket&>> tls_;
    net::streambuf buffer_;
};

const std::string upload_reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

}  // namespace

const std::string& file_body() {
    static const std::string body = [] {
        std::string b(1024, '\0');
        std::uint32_t x = 7;
        for (auto& c : b) {
            x = x * 1664525u + 1013904223u;
            c = static_cast<char>(x >> 24);
        }
        return b;
    }();
    return body;
}

net::awaitable<void> serve_sink(common::any_stream stream) {
    std::string buffer;
    std::vector<char> chunk(256 * 1024);
    for (;;) {
        std::size_t end;
        while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
            auto [ec, n] = co_await stream.async_read_some(net::buffer(chunk), net::as_tuple(net::use_awaitable));
            if (ec) co_return;
            buffer.append(chunk.data(), n);
            if (buffer.size() > 64 * 1024 && buffer.find("\r\n\r\n") == std::string::npos) co_return;
        }
        const std::string head = buffer.substr(0, end + 4);
        buffer.erase(0, end + 4);
        std::uint64_t left = content_length(head);
        const std::uint64_t from_buffer = std::min<std::uint64_t>(left, buffer.size());
        buffer.erase(0, from_buffer);
        left -= from_buffer;
        while (left > 0) {
            auto want = std::min<std::uint64_t>(left, chunk.size());
            auto [ec, n] = co_await stream.async_read_some(net::buffer(chunk.data(), want), net::as_tuple(net::use_awaitable));
            if (ec) co_return;
            left -= n;
        }
        // What nginx would answer for the same file, so that wrk compares like with like.
        static const std::string small_reply =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 64\r\n\r\n" + std::string(64, 's');
        static const std::string file_reply =
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1024\r\n\r\n" +
            file_body();
        if (const auto size = download_size(head)) {
            // GET /bytes/N: N bytes, written 256 KiB at a time.
            const std::string reply_head = fmt::format(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n", *size);
            auto [hec, hn] = co_await net::async_write(stream, net::buffer(reply_head), net::as_tuple(net::use_awaitable));
            if (hec) co_return;
            std::fill(chunk.begin(), chunk.end(), 'd');
            for (std::uint64_t sent = 0; sent < *size;) {
                const auto n = std::min<std::uint64_t>(chunk.size(), *size - sent);
                auto [wec, wn] = co_await net::async_write(stream, net::buffer(chunk.data(), n), net::as_tuple(net::use_awaitable));
                if (wec) co_return;
                sent += n;
            }
            continue;
        }
        const std::string& reply = head.starts_with("POST") ? upload_reply
                                   : head.starts_with("GET /file.bin ") ? file_reply
                                                                        : small_reply;
        auto [ec, n] = co_await net::async_write(stream, net::buffer(reply), net::as_tuple(net::use_awaitable));
        if (ec) co_return;
    }
}

sink_server::sink_server() {
    auto acceptor = std::make_shared<tcp::acceptor>(io_, tcp::endpoint{net::ip::make_address("127.0.0.1"), 0});
    port_ = acceptor->local_endpoint().port();
    net::co_spawn(io_, [this, acceptor]() -> net::awaitable<void> {
        for (;;) {
            auto [ec, socket] = co_await acceptor->async_accept(net::as_tuple(net::use_awaitable));
            if (ec) co_return;
            socket.set_option(tcp::no_delay(true));
            net::co_spawn(io_, serve_sink(common::any_stream(std::move(socket))), net::detached);
        }
    }, net::detached);
    thread_ = std::thread([this] { io_.run(); });
}

sink_server::~sink_server() {
    io_.stop();
    thread_.join();
}

double upload_mbps(const target& t, std::uint64_t bytes, int streams, std::string& error) {
    std::vector<std::thread> threads;
    std::vector<std::string> errors(static_cast<std::size_t>(streams));
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < streams; ++i) {
        threads.emplace_back([&, i] {
            try {
                net::io_context io;
                client_connection c(io, t);
                const std::string head = fmt::format(
                    "POST /sink HTTP/1.1\r\nHost: {}\r\n{}Content-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
                    t.host, t.headers, bytes);
                c.write(net::buffer(head));
                std::vector<char> block(256 * 1024, 'b');
                for (std::uint64_t sent = 0; sent < bytes;) {
                    auto n = std::min<std::uint64_t>(block.size(), bytes - sent);
                    c.write(net::buffer(block.data(), n));
                    sent += n;
                }
                const std::string reply = c.read_response();
                if (!reply.starts_with("HTTP/1.1 200")) errors[static_cast<std::size_t>(i)] = "status: " + reply.substr(0, 40);
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(i)] = e.what();
            }
        });
    }
    for (auto& th : threads) th.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (auto& e : errors)
        if (!e.empty()) error = e;
    return static_cast<double>(bytes) * streams * 8 / 1e6 / seconds;
}

double download_mbps(const target& t, std::uint64_t bytes, std::string& error) {
    try {
        net::io_context io;
        client_connection c(io, t);
        const auto start = std::chrono::steady_clock::now();
        c.write(net::buffer(fmt::format("GET /bytes/{} HTTP/1.1\r\nHost: {}\r\n{}\r\n", bytes, t.host, t.headers)));
        const std::string reply = c.read_response();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!reply.starts_with("HTTP/1.1 200") || content_length(reply) != bytes) {
            error = "download status: " + reply.substr(0, 40);
            return 0;
        }
        return static_cast<double>(bytes) * 8 / 1e6 / seconds;
    } catch (const std::exception& e) {
        error = e.what();
        return 0;
    }
}

std::vector<std::vector<double>> request_latencies_ms(const std::vector<target>& targets, int samples,
                                                      std::string& error) {
    std::vector<std::vector<double>> out(targets.size());
    try {
        net::io_context io;
        std::vector<std::unique_ptr<client_connection>> connections;
        std::vector<std::string> requests;
        for (const auto& t : targets) {
            connections.push_back(std::make_unique<client_connection>(io, t));
            requests.push_back(fmt::format("GET /small HTTP/1.1\r\nHost: {}\r\n{}\r\n", t.host, t.headers));
        }
        // Round robin over the paths, so that a noisy moment on the machine (other builds,
        // other benches) falls on all of them alike.
        for (int i = 0; i < samples + 50; ++i) {
            for (std::size_t k = 0; k < targets.size(); ++k) {
                const auto start = std::chrono::steady_clock::now();
                connections[k]->write(net::buffer(requests[k]));
                const std::string reply = connections[k]->read_response();
                if (!reply.starts_with("HTTP/1.1 200")) {
                    error = "status: " + reply.substr(0, 60);
                    return out;
                }
                // The first requests warm the path up (TLS, windows, caches).
                if (i >= 50)
                    out[k].push_back(
                        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
            }
        }
    } catch (const std::exception& e) {
        error = e.what();
    }
    return out;
}

double percentile(std::vector<double> values, double p) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
    return values[std::min(index, values.size() - 1)];
}

}  // namespace printgate::bench
