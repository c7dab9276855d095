#include "camera_edge_state.hpp"

#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include "printgate/common/connection_deadline.hpp"
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace printgate::relay {

namespace http = boost::beast::http;

net::awaitable<edge_camera_answer> ask_edge_camera_state(device_directory& devices, std::string_view device,
                                                         std::string_view host, std::string_view target,
                                                         std::chrono::milliseconds timeout) {
    constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
    edge_camera_answer out;
    auto [oec, stream] = co_await devices.open_stream(device);
    if (oec || !stream) {
        out.error = oec ? oec.message() : std::string("no stream");
        co_return out;
    }
    // The stream is closed when the time is up: the pending write or read then fails.
    common::connection_deadline deadline(stream);
    deadline.arm(timeout);

    // The relay's own request, as for the shared camera stream: it belongs to no viewer.
    const std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(host) +
                                "\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: " + std::string(host) +
                                "\r\nX-Printgate-User: relay-camera-fanout\r\nAccept: application/json\r\n"
                                "Connection: close\r\n\r\n";
    auto [wec, wn] = co_await net::async_write(stream, net::buffer(request), use_tuple);
    (void)wn;
    if (wec) {
        out.error = "send the request: " + wec.message();
        stream.close();
        co_return out;
    }
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(64 * 1024);
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
    (void)rn;
    stream.close();
    if (rec) {
        out.error = "read the answer: " + rec.message();
        co_return out;
    }
    auto res = parser.release();
    out.status = static_cast<int>(res.result_int());
    out.type = std::string(res[http::field::content_type]);
    out.body = std::move(res.body());
    co_return out;
}

}  // namespace printgate::relay
