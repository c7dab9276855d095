#pragma once
// For the camera integration tests: a minimal HTTP front on a loopback port (port 0) that
// hands each connection to printgate::camera::serve() the way the edge's server does, and
// clients that speak raw HTTP/1.1 over real sockets.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <functional>
#include <map>
#include <printgate/camera/camera_http.hpp>
#include <printgate/camera/camera_service.hpp>
#include <printgate/camera/multipart_parser.hpp>
#include <string>
#include <vector>

namespace printgate::camera::testing {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using net::use_awaitable;

class webcam_server {
public:
    // send_buffer > 0 shrinks each accepted socket's send buffer, so that a viewer that stops
    // reading blocks its writer after a few frames instead of after megabytes of kernel buffer.
    webcam_server(net::io_context& io, camera_service& svc, int send_buffer = 0)
        : acceptor_(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)), svc_(svc), send_buffer_(send_buffer) {
        net::co_spawn(io, accept_loop(), net::detached);
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    void close() {
        boost::system::error_code ec;
        acceptor_.close(ec);
    }

private:
    net::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, sock] = co_await acceptor_.async_accept(net::as_tuple(use_awaitable));
            if (ec) co_return;
            if (send_buffer_ > 0) sock.set_option(net::socket_base::send_buffer_size(send_buffer_));
            net::co_spawn(acceptor_.get_executor(), session(std::move(sock)), net::detached);
        }
    }
    net::awaitable<void> session(tcp::socket sock) {
        common::any_stream stream(std::move(sock), "test");
        net::streambuf buf(16 * 1024);
        for (;;) {
            auto [ec, n] = co_await net::async_read_until(stream, buf, "\r\n\r\n", net::as_tuple(use_awaitable));
            if (ec) co_return;
            std::string head(net::buffers_begin(buf.data()),
                             net::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(n));
            buf.consume(n);
            camera_request req;
            auto sp1 = head.find(' ');
            auto sp2 = head.find(' ', sp1 + 1);
            req.method = head.substr(0, sp1);
            req.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
            req.keep_alive = head.find("Connection: close") == std::string::npos;
            bool again = co_await serve(svc_, stream, req);
            if (!again) break;
        }
        stream.close();
    }

    tcp::acceptor acceptor_;
    camera_service& svc_;
    int send_buffer_;
};

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
};

inline std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

inline http_reply parse_head(const std::string& head) {
    http_reply r;
    r.status = std::stoi(head.substr(9, 3));
    std::size_t pos = head.find("\r\n") + 2;
    while (pos < head.size()) {
        auto end = head.find("\r\n", pos);
        if (end == std::string::npos || end == pos) break;
        auto line = head.substr(pos, end - pos);
        auto colon = line.find(':');
        if (colon != std::string::npos) {
            auto v = line.substr(colon + 1);
            while (!v.empty() && v.front() == ' ') v.erase(0, 1);
            r.headers[lower(line.substr(0, colon))] = v;
        }
        pos = end + 2;
    }
    return r;
}

// One request on a fresh connection, "Connection: close"; reads to the end.
inline net::awaitable<http_reply> http_get(unsigned short port, std::string target, std::string method = "GET") {
    tcp::socket s(co_await net::this_coro::executor);
    co_await s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), use_awaitable);
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    co_await net::async_write(s, net::buffer(req), use_awaitable);
    std::string all;
    auto [ec, n] = co_await net::async_read(s, net::dynamic_buffer(all), net::as_tuple(use_awaitable));
    (void)ec;
    (void)n;
    auto split = all.find("\r\n\r\n");
    if (split == std::string::npos) co_return http_reply{};
    auto r = parse_head(all.substr(0, split + 2));
    r.body = all.substr(split + 4);
    co_return r;
}

}  // namespace printgate::camera::testing
