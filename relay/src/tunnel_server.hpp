#pragma once
// The relay's tunnel listener and its map of live tunnels. Every TCP connection gets a TLS
// handshake (tunnel::make_server_context: TLS 1.3, client certificate checked against the
// registry during the handshake); a pairing connection (ALPN printgate-pair/1) goes to the
// pairing exchange, a device connection becomes a multiplexing session (role server). A new
// tunnel for a device replaces its old one. Revocations, also those made by the CLI in
// another process, are noticed by polling the registry's revocation generation every
// `revocation_poll` and close the device's tunnel at once.
//
// Threading: everything runs on one executor, which must be an io_context run by one thread
// (the sessions require it); the browser side calls presence()/open_stream() from that
// same thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "control_service.hpp"
#include "device_directory.hpp"
#include "printgate/auth/login_limiter.hpp"
#include "printgate/relay/ca_store.hpp"
#include "printgate/relay/registry.hpp"
#include "printgate/tunnel/session.hpp"
#include "printgate/tunnel/tls_stream.hpp"

namespace printgate::relay {

struct tunnel_server_options {
    std::chrono::milliseconds handshake_timeout{10'000};
    std::chrono::milliseconds revocation_poll{1'000};
    tunnel::session_options session;
    // Asked before each pairing request is read, with the client's address (the login
    // gate's per-address pairing bucket); a refusal is answered "rate_limited" with no
    // code looked at. Empty: no limit beyond the code's own attempt count.
    std::function<auth::limit_decision(std::string_view address)> pairing_limit;
    // After a device paired (for the audit log): its name and the client's address.
    std::function<void(const std::string& device, std::string_view address)> on_paired;
};

class tunnel_server final : public device_directory {
public:
    tunnel_server(net::any_io_executor executor, registry& devices, const tunnel::identity_authority& ca,
                  tunnel_server_options options = {});
    ~tunnel_server() override;
    tunnel_server(const tunnel_server&) = delete;
    tunnel_server& operator=(const tunnel_server&) = delete;

    // Builds the TLS context from the server files, binds and listens. Returns a message on failure.
    std::string open(const net::ip::tcp::endpoint& endpoint, const server_files& files);
    [[nodiscard]] net::ip::tcp::endpoint local_endpoint() const;

    // Accepts until stop(); polls revocations. The server must outlive both coroutines.
    net::awaitable<void> run();
    net::awaitable<void> watch_revocations();
    void stop();

    device_presence presence(std::string_view device) const override;
    net::awaitable<std::tuple<error_code, common::any_stream>> open_stream(std::string_view device) override;

    [[nodiscard]] std::size_t live_tunnels() const { return live_.size(); }

    // What each device's control stream said last (status, events, replies), and the way to
    // send it commands.
    control_directory& control() { return control_; }

private:
    struct live_tunnel {
        std::string name;
        std::string serial;
        std::shared_ptr<tunnel::session> session;
    };

    net::awaitable<void> handle(net::ip::tcp::socket socket);
    net::awaitable<void> pair_device(tunnel::tls_stream& stream, std::string address);
    net::awaitable<void> serve_device(std::shared_ptr<tunnel::session> session, std::string device_id);
    void check_live_tunnels();

    net::any_io_executor executor_;
    registry& devices_;
    const tunnel::identity_authority& ca_;
    tunnel_server_options options_;
    net::ip::tcp::acceptor acceptor_;
    std::shared_ptr<net::ssl::context> tls_;
    net::steady_timer poll_timer_;
    bool stopped_ = false;
    std::int64_t generation_ = -1;
    std::unordered_map<std::string, live_tunnel> live_;  // by device id
    std::unordered_map<std::string, std::chrono::system_clock::time_point> last_seen_;  // by name
    control_directory control_;
};

}  // namespace printgate::relay
