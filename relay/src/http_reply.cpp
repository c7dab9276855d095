#include "http_reply.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "page_layout.hpp"

namespace printgate::relay {

namespace net = boost::asio;
namespace http = boost::beast::http;


http_reply html_page(unsigned status, std::string_view title, std::string_view message) {
    return layout_page(status, title, "<p>" + html_escape(message) + "</p>");
}

http_reply see_other(std::string location) {
    http_reply r;
    r.status = 303;
    r.headers.emplace_back("Location", std::move(location));
    r.content_type = "text/plain; charset=utf-8";
    r.body = "See other\n";
    return r;
}

namespace {

bool has_header(const http_reply& reply, std::string_view name) {
    for (const auto& [n, v] : reply.headers) {
        if (n.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < n.size() && same; ++i)
            same = (n[i] | 0x20) == (name[i] | 0x20);
        if (same) return true;
    }
    return false;
}

}  // namespace

net::awaitable<boost::system::error_code> write_reply(common::any_stream& stream,
                                                      const http_reply& reply, unsigned version,
                                                      bool keep_alive, bool head_only) {
    http::response<http::string_body> res{static_cast<http::status>(reply.status),
                                          version == 10 ? 10 : 11};
    for (const auto& [name, value] : reply.headers) res.insert(name, value);
    res.set(http::field::content_type, reply.content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    // Not no-referrer: with it, browsers send "Origin: null" on our own form posts, which
    // the same-origin check must refuse. same-origin still tells other sites nothing.
    res.set("Referrer-Policy", "same-origin");
    res.set("X-Frame-Options", "DENY");
    res.set(http::field::strict_transport_security, "max-age=31536000; includeSubDomains");
    if (!has_header(reply, "Content-Security-Policy"))
        res.set("Content-Security-Policy", content_security_policy());
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
