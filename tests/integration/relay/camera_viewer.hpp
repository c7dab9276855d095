#pragma once
// Clients for the relay camera tests and bench/camera. camera_viewer: a browser-like MJPEG
// viewer, one TLS connection to the relay (SNI and Host of the device), a GET for a stream,
// and the parts read with edge/camera's multipart parser; blocking, with a receive timeout
// so that a stalled stream fails the test instead of hanging it. edge_camera_state: the
// edge's own /webcam/state on its loopback listener.
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

#include <printgate/camera/multipart_parser.hpp>

namespace printgate::testing {

// GET /webcam/state on the edge's own loopback listener (no gate, no relay): its view of its
// camera. null when it cannot be read.
inline nlohmann::json edge_camera_state(std::uint16_t port) {
    namespace net = boost::asio;
    namespace http = boost::beast::http;
    net::io_context io;
    net::ip::tcp::socket s(io);
    boost::system::error_code ec;
    s.connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return nullptr;
    http::request<http::empty_body> req{http::verb::get, "/webcam/state", 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req, ec);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) http::read(s, buffer, res, ec);
    if (ec) return nullptr;
    return nlohmann::json::parse(res.body(), nullptr, false);
}

class camera_viewer {
public:
    struct options {
        std::uint16_t port = 0;
        std::string host;            // "printer1.localhost"
        std::string target = "/webcam/stream";
        std::string cookie;          // "__Host-printgate=..." or empty
        std::string api_key;         // X-Api-Key or empty
        int receive_buffer = 0;      // SO_RCVBUF before connecting (a slow reader's small window)
        std::chrono::seconds receive_timeout{20};
    };

    explicit camera_viewer(const options& o) : tls_(boost::asio::ssl::context::tls_client), stream_(io_, tls_) {
        namespace net = boost::asio;
        tls_.set_verify_mode(net::ssl::verify_none);
        SSL_set_tlsext_host_name(stream_.native_handle(), o.host.c_str());
        auto& tcp = stream_.next_layer();
        tcp.open(net::ip::tcp::v4(), error);
        if (!error && o.receive_buffer > 0) tcp.set_option(net::socket_base::receive_buffer_size(o.receive_buffer), error);
        if (!error) {
            timeval tv{static_cast<time_t>(o.receive_timeout.count()), 0};
            ::setsockopt(tcp.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        }
        if (!error) tcp.connect({net::ip::make_address("127.0.0.1"), o.port}, error);
        if (!error) stream_.handshake(net::ssl::stream_base::client, error);
        std::string req = "GET " + o.target + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
                          "\r\nUser-Agent: printgate-test\r\n";
        if (!o.cookie.empty()) req += "Cookie: " + o.cookie + "\r\n";
        if (!o.api_key.empty()) req += "X-Api-Key: " + o.api_key + "\r\n";
        req += "\r\n";
        if (!error) net::write(stream_, net::buffer(req), error);
        if (error) return;
        // The response head, then whatever body bytes came with it go to the parser.
        std::string got;
        while (got.find("\r\n\r\n") == std::string::npos && got.size() < 16384) {
            char buf[4096];
            auto n = stream_.read_some(net::buffer(buf), error);
            if (error) return;
            got.append(buf, n);
        }
        auto end = got.find("\r\n\r\n");
        if (end == std::string::npos) return;
        head = got.substr(0, end + 2);
        if (head.size() >= 12) status = std::stoi(head.substr(9, 3));
        auto type = header_value("Content-Type");
        if (auto b = camera::boundary_from_content_type(type)) parser_.emplace(*b);
        pending_body_ = got.substr(end + 4);
    }

    // Reads until `count` more pictures arrived (fewer on an error or the end of the stream);
    // returns their X-Frame-Number values.
    std::vector<std::uint64_t> read_frames(std::size_t count) {
        std::vector<std::uint64_t> out;
        if (!parser_) return out;
        auto take = [&] {
            while (!frames_.empty() && out.size() < count) {
                out.push_back(frames_.front());
                frames_.pop_front();
            }
        };
        if (!pending_body_.empty()) {
            feed(pending_body_.data(), pending_body_.size());
            pending_body_.clear();
        }
        take();
        while (out.size() < count && !error) {
            char buf[16384];
            auto n = stream_.read_some(boost::asio::buffer(buf), error);
            if (n > 0) feed(buf, n);
            take();
        }
        return out;
    }

    // Reads (and drops) until the server ends the stream; true when it did within the
    // receive timeout.
    bool read_to_end() {
        while (!error) {
            char buf[16384];
            stream_.read_some(boost::asio::buffer(buf), error);
        }
        return error == boost::asio::error::eof || error == boost::asio::ssl::error::stream_truncated ||
               error == boost::asio::error::connection_reset;
    }

    void close() {
        boost::system::error_code ignored;
        stream_.next_layer().close(ignored);
    }
    // Ends a read blocked in another thread (the socket itself stays open until close()).
    void shutdown() { ::shutdown(stream_.next_layer().native_handle(), SHUT_RDWR); }

    std::string header_value(const std::string& name) const {
        auto at = head.find("\r\n" + name + ": ");
        if (at == std::string::npos) return {};
        at += name.size() + 4;
        return head.substr(at, head.find("\r\n", at) - at);
    }

    boost::system::error_code error;
    int status = 0;
    std::string head;
    std::uint64_t bytes = 0;  // body bytes read so far

private:
    void feed(const char* data, std::size_t n) {
        bytes += n;
        parser_->feed(std::string_view(data, n), [&](camera::multipart_part&& part) {
            auto number = part.header("X-Frame-Number");
            frames_.push_back(number.empty() ? 0 : std::stoull(std::string(number)));
        });
    }

    boost::asio::io_context io_;
    boost::asio::ssl::context tls_;
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
    std::optional<camera::multipart_parser> parser_;
    std::string pending_body_;
    std::deque<std::uint64_t> frames_;
};

}  // namespace printgate::testing
