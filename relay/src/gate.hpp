#pragma once
// The seam where the login gate sits: every request for a device host is shown to a gate
// before anything reaches the device. The gate either admits it, naming the signed-in user
// (sent to the edge as X-Printgate-User), or answers it itself (401, 403, a redirect to the
// sign-in page). The login issue supplies the real gate; until then `loopback_demo_gate`.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>

#include "http_reply.hpp"

namespace printgate::relay {

struct header_field {
    std::string_view name;
    std::string_view value;
};

// One browser request as the gate and the relay's pages see it. Views into the request
// being processed: valid only during the call. Identity headers the browser sent
// (X-Forwarded-*, Forwarded, X-Real-IP, X-Printgate-*) are already gone.
struct request_view {
    std::string_view method;        // "GET"
    std::string_view target;        // "/api/files?x=1"
    unsigned version = 11;          // 10 or 11
    std::string_view host;          // validated, lower case, with port if sent: "printer1.localhost:8443"
    std::string_view device;        // "printer1"; empty on the zone apex
    bool websocket_upgrade = false;
    std::span<const header_field> headers;

    // The first field with this name (case-insensitive), if any.
    std::optional<std::string_view> header(std::string_view name) const;
};

// The connection the request came in on, from the socket and TLS, never from headers.
struct peer_info {
    boost::asio::ip::address address;
    std::uint16_t port = 0;
    std::string_view sni;  // server name the TLS client asked for; empty if none
};

struct gate_decision {
    bool admitted = false;
    std::string user;    // admitted: the authenticated user name
    http_reply refusal;  // not admitted: what to answer instead

    static gate_decision admit(std::string user);
    static gate_decision refuse(http_reply reply);
};

class gate {
public:
    virtual ~gate() = default;
    virtual boost::asio::awaitable<gate_decision> check(const request_view& request,
                                                         const peer_info& peer) = 0;
};

// The gate until sign-in exists: in demo mode, loopback peers (127.0.0.0/8, ::1, and IPv4
// loopback mapped into IPv6) are admitted as user "demo"; everyone else, and everyone
// when not in demo mode, gets a 403 page saying sign-in is not configured.
class loopback_demo_gate final : public gate {
public:
    explicit loopback_demo_gate(bool demo) : demo_(demo) {}
    boost::asio::awaitable<gate_decision> check(const request_view& request,
                                                 const peer_info& peer) override;

    static bool is_loopback(const boost::asio::ip::address& address);

private:
    bool demo_;
};

}  // namespace printgate::relay
