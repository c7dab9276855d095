#include "outgoing_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

namespace printgate::edge {

namespace net = boost::asio;
namespace beast = boost::beast;
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

std::string describe_error(const boost::system::error_code& ec) {
    return ec == beast::error::timeout ? "the time limit ran out" : ec.message();
}

net::awaitable<std::string> connect_outgoing(net::any_io_executor ex, net::ssl::context& tls, const download_url& u,
                                             bool allow_internal, const char* internal_key,
                                             std::chrono::steady_clock::time_point deadline, outgoing_connection& out) {
    auto resolver = std::make_shared<tcp::resolver>(ex);
    net::steady_timer resolve_limit(ex, deadline);
    resolve_limit.async_wait([resolver](boost::system::error_code ec) {
        if (!ec) resolver->cancel();
    });
    auto [rec, results] = co_await resolver->async_resolve(u.host, u.port, use_tuple);
    resolve_limit.cancel();
    if (rec == net::error::operation_aborted) co_return "timed out resolving " + u.host;
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

    beast::tcp_stream tcp_layer(ex);
    tcp_layer.expires_at(deadline);
    auto [cec, ep] = co_await tcp_layer.async_connect(allowed, use_tuple);
    if (cec) co_return "cannot connect to " + u.host + ": " + describe_error(cec);
    boost::system::error_code pec;
    const auto peer = tcp_layer.socket().remote_endpoint(pec);
    if (pec) co_return "cannot connect to " + u.host + ": " + describe_error(pec);
    if (!allow_internal && is_internal_address(peer.address()))
        co_return fmt::format("refused: connected to {}, a loopback, private or link-local address",
                              peer.address().to_string());

    if (u.scheme == "http") {
        out.tcp.emplace(std::move(tcp_layer));
        co_return "";
    }
    out.tls.emplace(std::move(tcp_layer), tls);
    auto& stream = *out.tls;
    boost::system::error_code aec;
    net::ip::make_address(u.host, aec);
    if (aec && SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str()) != 1)
        co_return "cannot set the TLS server name";
    stream.set_verify_callback(net::ssl::host_name_verification(u.host));
    auto [hec] = co_await stream.async_handshake(net::ssl::stream_base::client, use_tuple);
    if (hec) co_return "TLS with " + u.host + " failed: " + describe_error(hec);
    co_return "";
}

}  // namespace printgate::edge
