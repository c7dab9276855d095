#include "browser_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <printgate/tunnel/tls_stream.hpp>

#include "http_head.hpp"
#include "http_host.hpp"

namespace printgate::relay {

namespace net = boost::asio;
namespace beast = boost::beast;
// OpenSSL straight on the socket, as on the tunnel side: no copies through asio::ssl's
// buffers, several records per read, and a small answer's head and body in one record.
using tls_stream = tunnel::tls_stream;

namespace {

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

std::string host_with_port(const host_name& host) {
    return host.port ? host.name + ":" + std::to_string(*host.port) : host.name;
}

}  // namespace

browser_session::browser_session(net::ip::tcp::socket socket,
                                 std::shared_ptr<net::ssl::context> tls,
                                 std::shared_ptr<browser_context> context)
    : tls_(std::move(tls)), context_(std::move(context)),
      buffer_(context_->options.max_header_bytes + context_->options.chunk_bytes),
      deadline_(socket.get_executor(), [this] { close(); }) {
    error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (!ec) {
        peer_.address = remote.address();
        peer_.port = remote.port();
    }
    const auto name = peer_.address.to_string() + ":" + std::to_string(peer_.port);
    browser_ = common::any_stream(tls_stream(std::move(socket), *tls_), name);
    ++context_->stats.active_connections;
}

browser_session::~browser_session() { --context_->stats.active_connections; }

void browser_session::close() {
    browser_.close();
    if (proxy_) proxy_->abort_upstream();
}

net::awaitable<void> browser_session::run() {
    auto self = shared_from_this();
    net::co_spawn(browser_.get_executor(),
                  [self]() -> net::awaitable<void> { co_await self->deadline_.run(); },
                  net::detached);
    co_await serve();
    deadline_.stop();
    close();
    proxy_.reset();
}

net::awaitable<void> browser_session::serve() {
    const auto& options = context_->options;
    auto* tls = browser_.target<tls_stream>();
    deadline_.phase(options.handshake_timeout);
    auto [hec] = co_await tls->async_handshake(net::ssl::stream_base::server, tuple_awaitable);
    if (hec) {
        ++context_->stats.handshakes_failed;
        spdlog::debug("relay: TLS handshake with {} failed: {}", browser_.peer(), hec.message());
        co_return;
    }
    if (const char* sni = SSL_get_servername(tls->native_handle(), TLSEXT_NAMETYPE_host_name)) {
        if (auto parsed = parse_host(sni)) sni_ = parsed->name;
        else sni_ = "?";  // present but not a host name: no Host can match it
    }
    peer_.sni = sni_;

    for (;;) {
        deadline_.phase(options.idle_timeout);
        request_parser parser;
        parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
        parser.body_limit(boost::none);
        auto [ec, n] = co_await http::async_read_header(browser_, buffer_, parser, tuple_awaitable);
        if (ec) {
            if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                ec != http::error::end_of_stream && ec != http::error::partial_message) {
                ++context_->stats.bad_requests;
                const bool too_big =
                    ec == http::error::header_limit || ec == http::error::buffer_overflow;
                co_await reply(html_page(too_big ? 431 : 400,
                                         too_big ? "Request header too large" : "Bad request",
                                         too_big ? "The request header is larger than this relay "
                                                   "accepts."
                                                 : "The relay could not read this request."),
                               11, false, false, true);
            }
            break;  // end of stream, timeout, reset: nothing to answer
        }
        ++context_->stats.requests;
        const auto result = co_await handle(parser);
        if (result == next::close) break;
    }
    if (!deadline_.expired()) {
        // A clean TLS close; bounded, since a client may never answer the close_notify.
        deadline_.phase(options.handshake_timeout);
        auto [sec] = co_await browser_.async_shutdown(tuple_awaitable);
        (void)sec;
    }
}

net::awaitable<browser_session::next> browser_session::reply(const http_reply& page,
                                                             unsigned version, bool keep_alive,
                                                             bool head_only, bool body_unread) {
    http_reply copy = page;
    if (body_unread) copy.close = true;
    const auto ec = co_await write_reply(browser_, copy, version, keep_alive, head_only);
    co_return (ec || copy.close || !keep_alive) ? next::close : next::keep_alive;
}

net::awaitable<browser_session::next> browser_session::handle(request_parser& parser) {
    const auto& options = context_->options;
    auto& req = parser.get();
    const bool head_only = req.method() == http::verb::head;
    const unsigned version = req.version() == 10 ? 10 : 11;
    auto check = check_request_head(req.base());
    if (!check.ok()) {
        ++context_->stats.bad_requests;
        co_return co_await reply(html_page(check.status, "Bad request", check.message), version,
                                 false, head_only, true);
    }
    // An upgrade with a body is not a WebSocket handshake; it is forwarded as plain HTTP.
    if (check.websocket_upgrade && !parser.is_done()) check.websocket_upgrade = false;
    const bool body_unread = !parser.is_done();
    const auto host = host_with_port(check.host);

    // One connection, one name: a connection opened (SNI) for printer1 never carries
    // requests for printer2, which keeps each printer its own origin end to end.
    if (!sni_.empty() && sni_ != check.host.name) {
        ++context_->stats.bad_requests;
        co_return co_await reply(
            html_page(421, "Misdirected request",
                      "This connection was opened for " + sni_ + ", not for " + check.host.name +
                          ". Open a new connection for that name."),
            version, false, head_only, true);
    }

    const auto route = route_host(check.host, options.zone);
    if (route.kind == route_kind::foreign) {
        ++context_->stats.bad_requests;
        co_return co_await reply(
            html_page(421, "Misdirected request",
                      "This relay serves " + options.zone + " and its printers (NAME." +
                          options.zone + "), not " + check.host.name + "."),
            version, req.keep_alive(), head_only, body_unread);
    }
    if (route.kind == route_kind::nested) {
        ++context_->stats.bad_requests;
        co_return co_await reply(
            html_page(404, "No such name",
                      "Printers are named NAME." + options.zone + "; " + check.host.name +
                          " is not one of them."),
            version, req.keep_alive(), head_only, body_unread);
    }

    const auto fields = visible_fields(req.base());
    request_view view;
    view.method = req.method_string();
    view.target = req.target();
    view.version = version;
    view.host = host;
    view.device = route.device;
    view.websocket_upgrade = check.websocket_upgrade;
    view.headers = fields;

    if (route.kind == route_kind::apex) {
        http::request_parser<http::string_body> page_parser{std::move(parser)};
        page_parser.body_limit(options.max_page_body_bytes);
        if (!page_parser.is_done()) {
            auto [ec, n] = co_await http::async_read(browser_, buffer_, page_parser,
                                                     tuple_awaitable);
            if (ec == http::error::body_limit) {
                co_return co_await reply(html_page(413, "Request too large",
                                                   "The relay's pages accept small forms only."),
                                         version, false, head_only, true);
            }
            if (ec) co_return next::close;
        }
        // The fields were moved along with the head; point the view at their new home.
        const auto& moved = page_parser.get();
        const auto page_fields = visible_fields(moved.base());
        view.method = moved.method_string();
        view.target = moved.target();
        view.headers = page_fields;
        auto page = co_await context_->pages.handle(view, moved.body(), peer_);
        co_return co_await reply(page, version, moved.keep_alive(), head_only, false);
    }

    auto decision = co_await context_->gate_check.check(view, peer_);
    if (!decision.admitted)
        co_return co_await reply(decision.refusal, version, req.keep_alive(), head_only,
                                 body_unread);

    if (camera_fanout::takes(view.method, view.target, body_unread)) {
        // A viewer gets the newest picture, not one that waited in a kernel send buffer,
        // which Linux grows to megabytes for a slow reader: room for a few pictures only.
        // Streams only: a stream ends the connection, so no later download inherits it.
        auto* tls = camera_fanout::is_stream(view.target) ? browser_.target<tls_stream>() : nullptr;
        if (tls != nullptr) {
            error_code ignored;
            tls->socket().set_option(net::socket_base::send_buffer_size(camera_fanout::viewer_send_buffer), ignored);
        }
        const bool again = co_await context_->cameras.serve(
            browser_, deadline_, {view.method, view.target, view.device, view.host, req.keep_alive()});
        co_return again ? next::keep_alive : next::close;
    }
    if (!proxy_)
        proxy_ = std::make_unique<proxy>(browser_, buffer_, deadline_, options,
                                         context_->devices, context_->stats, peer_);
    const auto outcome = co_await proxy_->forward(parser, check, route.device, host, decision.user);
    co_return outcome == proxy::outcome::keep_alive ? next::keep_alive : next::close;
}

}  // namespace printgate::relay
