#include "outgoing_connection.hpp"

#include "printgate/tunnel/tls.hpp"
#include "printgate/tunnel/tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace printgate::edge {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
}  // namespace

void configure_outgoing_tls(net::ssl::context& tls, const std::string& ca_file, const char* ca_key) {
    boost::system::error_code ec;
    SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
    tls.set_default_verify_paths(ec);
    if (!ca_file.empty()) {
        tls.load_verify_file(ca_file, ec);
        if (ec) spdlog::warn("{} {}: {}", ca_key, ca_file, ec.message());
    }
    tls.set_verify_mode(net::ssl::verify_peer);
}

outgoing_connection::~outgoing_connection() {
    if (state_) state_->deadline.cancel();
}

std::string outgoing_connection::describe(const boost::system::error_code& ec) const {
    return state_ && state_->expired ? "the time limit ran out" : ec.message();
}

net::awaitable<void> outgoing_connection::shutdown() {
    if (!state_ || !state_->stream) co_return;
    co_await state_->stream.async_shutdown(use_tuple);
    state_->stream.close();
}

net::awaitable<std::string> connect_outgoing(net::any_io_executor ex, net::ssl::context& tls, const download_url& u,
                                             bool allow_internal, const char* internal_key,
                                             std::chrono::steady_clock::time_point deadline, outgoing_connection& out) {
    // The deadline closes whatever is open then: the resolver, the socket or the stream.
    auto st = std::make_shared<outgoing_connection::state>(ex);
    out.state_ = st;
    auto resolver = std::make_shared<tcp::resolver>(ex);
    auto socket = std::make_shared<tcp::socket>(ex);
    st->deadline.expires_at(deadline);
    st->deadline.async_wait([weak = std::weak_ptr(st), resolver, socket](boost::system::error_code ec) {
        auto s = weak.lock();
        if (ec || !s) return;
        s->expired = true;
        resolver->cancel();
        boost::system::error_code ignored;
        socket->close(ignored);
        s->stream.close();
    });
    auto [rec, results] = co_await resolver->async_resolve(u.host, u.port, use_tuple);
    if (st->expired) co_return "timed out resolving " + u.host;
    if (rec) co_return "cannot resolve " + u.host + ": " + rec.message();

    std::vector<tcp::endpoint> allowed;
    std::string refused;
    for (const auto& r : results) {
        if (allow_internal || !is_internal_address(r.endpoint().address())) allowed.push_back(r.endpoint());
        else refused = r.endpoint().address().to_string();
    }
    if (allowed.empty())
        co_return fmt::format("refused: {} is at {}, a loopback, private or link-local address ({})", u.host, refused,
                              internal_key);

    boost::system::error_code cec = net::error::host_not_found;
    for (const auto& ep : allowed) {
        if (st->expired) break;
        boost::system::error_code ignored;
        socket->close(ignored);
        auto [ec] = co_await socket->async_connect(ep, use_tuple);
        cec = ec;
        if (!cec) break;
    }
    if (cec || st->expired) co_return "cannot connect to " + u.host + ": " + out.describe(cec);
    boost::system::error_code pec;
    const auto peer = socket->remote_endpoint(pec);
    if (pec) co_return "cannot connect to " + u.host + ": " + out.describe(pec);
    if (!allow_internal && is_internal_address(peer.address()))
        co_return fmt::format("refused: connected to {}, a loopback, private or link-local address",
                              peer.address().to_string());

    const std::string peer_name = u.host + ":" + u.port;
    if (u.scheme == "http") {
        st->stream = common::any_stream(std::move(*socket), peer_name);
        co_return "";
    }
    tunnel::tls_stream stream(std::move(*socket), tls);
    // SNI, and the name (or address) the certificate must carry; ALPN offers HTTP/1.1.
    if (auto prepared = tunnel::prepare_client(stream.native_handle(), u.host, "http/1.1"); !prepared)
        co_return "TLS with " + u.host + " failed: " + prepared.message();
    st->stream = common::any_stream(std::move(stream), peer_name);
    auto* tls_layer = st->stream.target<tunnel::tls_stream>();
    auto [hec] = co_await tls_layer->async_handshake(net::ssl::stream_base::client, use_tuple);
    if (hec) co_return "TLS with " + u.host + " failed: " + out.describe(hec);
    co_return "";
}

}  // namespace printgate::edge
