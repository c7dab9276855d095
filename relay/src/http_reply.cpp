#include "http_reply.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace printgate::relay {

namespace net = boost::asio;
namespace http = boost::beast::http;

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out.push_back(c);
        }
    }
    return out;
}

http_reply html_page(unsigned status, std::string_view title, std::string_view message) {
    http_reply reply;
    reply.status = status;
    const auto t = html_escape(title);
    reply.body = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                 "<title>" + t + "</title>"
                 "<style>body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;"
                 "padding:0 1em;color:#222}h1{font-size:1.4em}</style></head>\n<body><h1>" + t +
                 "</h1>\n<p>" + html_escape(message) + "</p>\n<p><small>printgate relay</small></p>"
                 "</body></html>\n";
    return reply;
}

net::awaitable<boost::system::error_code> write_reply(common::any_stream& stream,
                                                      const http_reply& reply, unsigned version,
                                                      bool keep_alive, bool head_only) {
    http::response<http::string_body> res{static_cast<http::status>(reply.status),
                                          version == 10 ? 10 : 11};
    for (const auto& [name, value] : reply.headers) res.insert(name, value);
    res.set(http::field::content_type, reply.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Frame-Options", "DENY");
    res.keep_alive(keep_alive && !reply.close);
    if (head_only) {
        // The length the body would have had, without sending it.
        http::response<http::empty_body> head{res.base()};
        head.content_length(reply.body.size());
        auto [ec, n] = co_await http::async_write(stream, head, net::as_tuple(net::use_awaitable));
        (void)n;
        co_return ec;
    }
    res.body() = reply.body;
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, net::as_tuple(net::use_awaitable));
    (void)n;
    co_return ec;
}

}  // namespace printgate::relay
