#include "printgate/tunnel/connector.hpp"

#include <optional>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "printgate/tunnel/control.hpp"
#include "printgate/tunnel/pairing.hpp"
#include "printgate/tunnel/tls.hpp"
#include "printgate/tunnel/tls_stream.hpp"

namespace printgate::tunnel {
namespace {

using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

}  // namespace

backoff::backoff(backoff_policy policy, std::function<std::uint64_t()> random)
    : policy_(policy), random_(std::move(random)) {}

std::chrono::milliseconds backoff::ceiling() const {
    auto cap = policy_.initial;
    for (unsigned i = 0; i < attempt_ && cap < policy_.max; ++i) cap *= 2;
    return std::min(cap, policy_.max);
}

std::chrono::milliseconds backoff::next() {
    auto cap = ceiling();
    ++attempt_;
    auto span = static_cast<std::uint64_t>(cap.count()) + 1;
    return std::chrono::milliseconds(static_cast<std::int64_t>(random_() % span));
}

void backoff::tunnel_ended(clock::time_point up, clock::time_point down) {
    if (down - up >= policy_.stable_after) reset();
}

std::function<std::uint64_t()> system_random() {
    return [] {
        std::uint64_t v = 0;
        if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) std::abort();
        return v;
    };
}

std::shared_ptr<connector> connector::create(net::any_io_executor executor, connector_options options) {
    return std::shared_ptr<connector>(new connector(std::move(executor), std::move(options)));
}

connector::connector(net::any_io_executor executor, connector_options options)
    : executor_(executor),
      options_(std::move(options)),
      backoff_(options_.policy, options_.random ? options_.random : system_random()),
      timer_(executor) {
    if (options_.clock == nullptr) options_.clock = &steady_clock_source::instance();
}

void connector::stop() {
    stopped_ = true;
    timer_.cancel();
    if (session_) session_->close();
}

net::awaitable<void> connector::run() {
    auto self = shared_from_this();
    while (!stopped_) {
        ++attempts_;
        auto up = options_.clock->now();
        bool established = co_await attempt();
        if (stopped_) break;
        if (established) backoff_.tunnel_ended(up, options_.clock->now());
        auto delay = backoff_.next();
        spdlog::info("tunnel: reconnecting in {} ms", delay.count());
        timer_.expires_after(delay);
        co_await timer_.async_wait(use_tuple);
    }
}

net::awaitable<bool> connector::attempt() {
    auto identity = load_edge_identity(options_.state_dir);
    if (!identity) {
        spdlog::warn("tunnel: {}", identity.message());
        co_return false;
    }
    auto ctx = make_client_context({identity->ca_pem, identity->certificate_pem, identity->key_pem});
    if (!ctx) {
        spdlog::warn("tunnel: {}", ctx.message());
        co_return false;
    }
    std::string where = identity->relay_host + ":" + std::to_string(identity->relay_port);
    tcp::resolver resolver(executor_);
    auto [rec, endpoints] =
        co_await resolver.async_resolve(identity->relay_host, std::to_string(identity->relay_port), use_tuple);
    if (rec) {
        spdlog::warn("tunnel: cannot resolve {}: {}", identity->relay_host, rec.message());
        co_return false;
    }
    // Connect and handshake within connect_timeout: a relay that accepts and stalls must not
    // hold the edge forever.
    tcp::socket socket(executor_);
    std::optional<tls_stream> stream;
    net::steady_timer guard(executor_, options_.connect_timeout);
    guard.async_wait([&socket, &stream](error_code ec) {
        if (ec) return;
        error_code ignored;
        if (stream) stream->close(ignored);
        else socket.close(ignored);
    });
    auto [cec, endpoint] = co_await net::async_connect(socket, endpoints, use_tuple);
    (void)endpoint;
    error_code ignored;
    if (!cec) socket.set_option(tcp::no_delay(true), ignored);
    stream.emplace(std::move(socket), **ctx);
    if (auto ok = prepare_client(stream->native_handle(), identity->relay_host, alpn_tunnel); !ok) {
        spdlog::warn("tunnel: {}", ok.message());
        co_return false;
    }
    error_code hec = cec;
    if (!cec) std::tie(hec) = co_await stream->async_handshake(tls_stream::handshake_type::client, use_tuple);
    guard.cancel();
    if (hec) {
        spdlog::warn("tunnel: cannot reach the relay at {}: {}", where, hec.message());
        co_return false;
    }
    auto options = options_.session;
    if (options.name.empty()) options.name = "edge->" + where;
    if (options.clock == nullptr) options.clock = options_.clock;
    session_ = session::create(common::any_stream(std::move(*stream), "relay:" + where), role::client, options);
    session_->start();
    auto [oec, control] = co_await session_->open_stream();
    if (oec) {
        spdlog::warn("tunnel: cannot open the control stream: {}", oec.message());
        session_->close();
        co_return false;
    }
    // TLS 1.3 lets the client finish its handshake before the relay has judged the
    // certificate: the tunnel is up only once the relay answers hello with welcome.
    auto channel = std::make_shared<control_channel>(common::any_stream(std::move(control), "control"));
    nlohmann::json hello;
    hello["type"] = "hello";
    hello["version"] = options_.version;
    auto hec2 = co_await channel->write(hello);
    auto [wec, welcome] = co_await channel->read();
    if (hec2 || wec || welcome["type"] != "welcome") {
        spdlog::warn("tunnel: the relay at {} did not admit this device ({})", where,
                     hec2 ? hec2.message() : wec ? wec.message() : "no welcome");
        session_->close();
        co_return false;
    }
    ++established_;
    up_ = true;
    spdlog::info("tunnel: connected to {} as {}", where, identity->name);
    if (options_.on_state) options_.on_state(true);
    edge_control_options control_options;
    control_options.state_dir = options_.state_dir;
    control_options.version = options_.version;
    control_options.hello_done = true;
    control_options.on_message = options_.on_control_message;
    net::co_spawn(executor_, run_edge_control(channel, std::move(*identity), std::move(control_options)),
                  net::detached);
    auto session = session_;
    for (;;) {
        auto [aec, s] = co_await session->accept_stream();
        if (aec) break;
        if (options_.on_stream) options_.on_stream(common::any_stream(std::move(s), "tunnel"));
    }
    auto why = co_await session->wait_closed();
    spdlog::warn("tunnel: lost the relay at {} ({})", where, why ? why.message() : "closed");
    up_ = false;
    channel->stream().close();
    if (options_.on_state) options_.on_state(false);
    co_return true;
}

}  // namespace printgate::tunnel
