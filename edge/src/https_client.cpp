#include "https_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <array>

namespace printgate::edge {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
}  // namespace

std::string host_header(const download_url& u) {
    const bool v6 = u.host.find(':') != std::string::npos;
    std::string h = v6 ? "[" + u.host + "]" : u.host;
    if (!((u.scheme == "https" && u.port == "443") || (u.scheme == "http" && u.port == "80"))) h += ":" + u.port;
    return h;
}

net::awaitable<std::string> http_exchange(outgoing_connection& connection, const download_url& url,
                                          const client_request& request, const client_limits& limits,
                                          const client_head_fn& on_head, const client_body_fn& on_body) {
    auto& stream = connection.stream();
    http::request<http::string_body> req{request.post ? http::verb::post : http::verb::get, url.target, 11};
    req.set(http::field::host, host_header(url));
    req.set(http::field::user_agent, "printgate-edge");
    req.set(http::field::accept, "*/*");
    if (!request.content_type.empty()) req.set(http::field::content_type, request.content_type);
    req.keep_alive(false);
    if (request.post) {
        req.body() = request.body;
        req.prepare_payload();
    }
    auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
    if (wec) co_return "cannot send the request: " + connection.describe(wec);

    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> res;
    res.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    res.body_limit(limits.max_body_bytes);
    auto [hec, hn] = co_await http::async_read_header(stream, buffer, res, use_tuple);
    if (hec == http::error::body_limit) co_return limits.too_large;  // a Content-Length over the cap
    if (hec) co_return "no answer from the server: " + connection.describe(hec);
    client_response_head head;
    head.status = res.get().result_int();
    head.reason = std::string(res.get().reason());
    head.location = std::string(res.get()[http::field::location]);
    if (auto length = res.content_length()) head.content_length = *length;
    if (head.content_length && *head.content_length > limits.max_body_bytes) co_return limits.too_large;
    if (!on_head(head)) co_return "";

    std::array<char, 32 * 1024> chunk;
    while (!res.is_done()) {
        res.get().body().data = chunk.data();
        res.get().body().size = chunk.size();
        auto [ec, n] = co_await http::async_read(stream, buffer, res, use_tuple);
        if (ec == http::error::need_buffer) ec = {};
        if (ec == http::error::body_limit) co_return limits.too_large;
        if (ec) co_return "the answer broke off: " + connection.describe(ec);
        const std::size_t got = chunk.size() - res.get().body().size;
        if (got == 0) continue;
        if (auto why = on_body(std::span<const char>(chunk.data(), got)); !why.empty()) co_return why;
    }
    co_return "";
}

}  // namespace printgate::edge
