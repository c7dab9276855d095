#include "tunnel_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "control_service.hpp"
#include "pairing_service.hpp"
#include "printgate/tunnel/tls.hpp"
#include "printgate/tunnel/tls_stream.hpp"

namespace printgate::relay {
namespace {

using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

}  // namespace

tunnel_server::tunnel_server(net::any_io_executor executor, registry& devices, const tunnel::identity_authority& ca,
                             tunnel_server_options options)
    : executor_(executor),
      devices_(devices),
      ca_(ca),
      options_(std::move(options)),
      acceptor_(executor),
      poll_timer_(executor) {}

tunnel_server::~tunnel_server() { stop(); }

std::string tunnel_server::open(const tcp::endpoint& endpoint, const server_files& files) {
    tunnel::server_tls_config config{ca_.certificate_pem(), files.chain_pem, files.key_pem,
                                     [this](const tunnel::peer_identity& who) {
                                         bool ok = devices_.admits(who.device_id, who.serial,
                                                                   std::chrono::system_clock::now());
                                         if (!ok)
                                             spdlog::warn("tunnel: refused certificate {} of device {}", who.serial,
                                                          who.device_id);
                                         return ok;
                                     }};
    auto ctx = tunnel::make_server_context(std::move(config));
    if (!ctx) return "tunnel TLS: " + ctx.message();
    tls_ = *ctx;
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return "tunnel listener on " + endpoint.address().to_string() + ":" + std::to_string(endpoint.port()) +
                   ": " + ec.message();
    generation_ = devices_.revocation_generation();
    return {};
}

tcp::endpoint tunnel_server::local_endpoint() const {
    error_code ec;
    return acceptor_.local_endpoint(ec);
}

void tunnel_server::stop() {
    stopped_ = true;
    error_code ec;
    acceptor_.close(ec);
    poll_timer_.cancel();
    for (auto& [id, t] : live_) t.session->close();
}

net::awaitable<void> tunnel_server::run() {
    while (!stopped_) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (ec) {
            if (stopped_ || ec == net::error::operation_aborted) break;
            spdlog::warn("tunnel: accept failed: {}", ec.message());
            continue;
        }
        net::co_spawn(executor_, handle(std::move(socket)), net::detached);
    }
}

net::awaitable<void> tunnel_server::watch_revocations() {
    while (!stopped_) {
        poll_timer_.expires_after(options_.revocation_poll);
        co_await poll_timer_.async_wait(use_tuple);
        if (stopped_) break;
        auto generation = devices_.revocation_generation();
        if (generation != generation_) {
            generation_ = generation;
            check_live_tunnels();
        }
    }
}

void tunnel_server::check_live_tunnels() {
    auto now = std::chrono::system_clock::now();
    for (auto& [id, t] : live_) {
        if (!devices_.admits(id, t.serial, now)) {
            spdlog::info("tunnel: device {} ({}) is revoked: closing its tunnel", t.name, id);
            t.session->close();
        }
    }
}

net::awaitable<void> tunnel_server::handle(tcp::socket socket) {
    error_code ec;
    auto remote = socket.remote_endpoint(ec);
    std::string peer = ec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
    socket.set_option(tcp::no_delay(true), ec);
    tunnel::tls_stream stream(std::move(socket), *tls_);

    // A peer that never finishes its handshake is dropped after handshake_timeout.
    auto guard = std::make_shared<net::steady_timer>(executor_, options_.handshake_timeout);
    guard->async_wait([&stream, guard](error_code wait_ec) {
        if (!wait_ec) {
            error_code ignored;
            stream.close(ignored);
        }
    });
    auto [hec] = co_await stream.async_handshake(tunnel::tls_stream::handshake_type::server, use_tuple);
    guard->cancel();
    if (hec) {
        spdlog::info("tunnel: handshake with {} failed: {}", peer, hec.message());
        co_return;
    }
    if (tunnel::is_pairing_connection(stream.native_handle())) {
        co_await pair_device(stream, remote.address().to_string());
        co_return;
    }
    auto who = tunnel::peer_identity_of(stream.native_handle());
    auto device = who ? devices_.find_by_id(who->device_id) : std::nullopt;
    if (!who || !device || device->revoked_at) {
        spdlog::warn("tunnel: {} passed TLS without a known device certificate; closing", peer);
        co_return;
    }
    auto options = options_.session;
    options.name = "relay<-" + device->name;
    auto session = tunnel::session::create(common::any_stream(std::move(stream), "tunnel:" + device->name),
                                           tunnel::role::server, options);
    if (auto old = live_.find(who->device_id); old != live_.end()) {
        spdlog::info("tunnel: device {} reconnected from {}; replacing its old tunnel", device->name, peer);
        old->second.session->close();
    }
    live_[who->device_id] = live_tunnel{device->name, who->serial, session};
    spdlog::info("tunnel: device {} ({}) connected from {}", device->name, who->device_id, peer);
    session->start();
    co_await serve_device(session, who->device_id);
}

net::awaitable<void> tunnel_server::pair_device(tunnel::tls_stream& stream, std::string address) {
    // One request line, one answer line (answer_pairing), then close_notify.
    if (options_.pairing_limit) {
        if (auto limit = options_.pairing_limit(address); !limit.allowed) {
            spdlog::warn("pairing from {} refused: too many attempts from that address", address);
            tunnel::pair_response reply;
            reply.reason = "rate_limited";
            reply.message = "too many pairing attempts from this address; try again in " +
                            std::to_string(limit.retry_after.count()) + " s";
            const auto text = tunnel::to_line(reply);
            co_await net::async_write(stream, net::buffer(text), use_tuple);
            co_await stream.async_shutdown(use_tuple);
            co_return;
        }
    }
    net::streambuf buffer(tunnel::max_pairing_line);
    auto [ec, n] = co_await net::async_read_until(stream, buffer, '\n', use_tuple);
    tunnel::pair_response reply;
    if (ec && ec != net::error::not_found) co_return;
    if (ec) {
        reply.reason = "bad_request";
        reply.message = "pairing request too large";
    } else {
        std::string line(net::buffers_begin(buffer.data()), net::buffers_begin(buffer.data()) + static_cast<long>(n));
        reply = answer_pairing(line, devices_, ca_, std::chrono::system_clock::now());
        if (reply.ok && options_.on_paired) options_.on_paired(reply.name, address);
    }
    auto text = tunnel::to_line(reply);
    co_await net::async_write(stream, net::buffer(text), use_tuple);
    co_await stream.async_shutdown(use_tuple);
}

net::awaitable<void> tunnel_server::serve_device(std::shared_ptr<tunnel::session> session, std::string device_id) {
    auto name = live_[device_id].name;
    bool control_seen = false;
    for (;;) {
        auto [ec, stream] = co_await session->accept_stream();
        if (ec) break;
        if (!control_seen) {
            control_seen = true;
            net::co_spawn(executor_,
                          serve_control(common::any_stream(std::move(stream), "control:" + name), device_id, devices_,
                                        ca_, control_),
                          net::detached);
            continue;
        }
        // The edge has no reason to open more streams: refuse them.
        stream.close();
    }
    auto why = co_await session->wait_closed();
    spdlog::info("tunnel: device {} disconnected ({})", name, why ? why.message() : "closed");
    last_seen_[name] = std::chrono::system_clock::now();
    if (auto it = live_.find(device_id); it != live_.end() && it->second.session == session) live_.erase(it);
}

device_presence tunnel_server::presence(std::string_view device) const {
    device_presence p;
    for (const auto& [id, t] : live_) {
        if (t.name == device && t.session->is_open()) {
            p.known = p.online = true;
            p.last_seen = std::chrono::system_clock::now();
            return p;
        }
    }
    p.known = devices_.find_by_name(device).has_value();
    if (auto it = last_seen_.find(std::string(device)); it != last_seen_.end()) p.last_seen = it->second;
    return p;
}

net::awaitable<std::tuple<error_code, common::any_stream>> tunnel_server::open_stream(std::string_view device) {
    std::shared_ptr<tunnel::session> session;
    std::string name(device);
    for (const auto& [id, t] : live_)
        if (t.name == name && t.session->is_open()) session = t.session;
    if (!session) co_return std::tuple{error_code(net::error::host_unreachable), common::any_stream()};
    auto [ec, stream] = co_await session->open_stream();
    if (ec) co_return std::tuple{ec, common::any_stream()};
    co_return std::tuple{error_code(), common::any_stream(std::move(stream), "tunnel:" + name)};
}

}  // namespace printgate::relay
