#pragma once
// The tunnel's TLS: version 1.3 only, both ends authenticated, trust anchored in the relay's
// own CA and nothing else. The server (relay) requires a client certificate and asks its
// registry about every one (`admit`); the client (edge) pins the relay CA and checks the
// relay's name. A ClientHello offering ALPN "printgate-pair/1" is the one exception: the
// server lets it through without a client certificate, and after the handshake the caller
// must send such a connection to the pairing exchange and nowhere else
// (is_pairing_connection). Session resumption is off, so every connection is checked again.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>

#include "printgate/tunnel/identity.hpp"

using SSL = struct ssl_st;

namespace printgate::tunnel {

namespace net = boost::asio;

inline constexpr std::string_view alpn_tunnel = "printgate-tunnel/1";
inline constexpr std::string_view alpn_pair = "printgate-pair/1";

// What a verified client certificate says.
struct peer_identity {
    std::string device_id;
    std::string serial;  // lower-case hex
    wall_time not_after{};
};

// Called during the handshake for a client certificate that chains to the CA and is within
// its validity; false refuses the handshake (unknown serial, revoked device ...).
using admit_function = std::function<bool(const peer_identity&)>;

struct server_tls_config {
    std::string ca_pem;     // the only trust anchor for client certificates
    std::string chain_pem;  // the server certificate, then the CA certificate
    std::string key_pem;
    admit_function admit;
    bool allow_pairing = true;
};

struct client_tls_config {
    std::string ca_pem;     // the pinned relay CA
    std::string chain_pem;  // the device certificate
    std::string key_pem;
    // Does this CPU encrypt AES in hardware? Decides the cipher the edge asks for first
    // (tunnel_ciphersuites); nullopt: ask the CPU (cpu_has_aes).
    std::optional<bool> aes_hardware = std::nullopt;
};

// The TLS 1.3 cipher suites a tunnel end offers, best first. With AES instructions
// AES-128-GCM; without them (Raspberry Pi 3 and 4, whose Cortex-A53/A72 lack the ARMv8
// crypto extension) ChaCha20-Poly1305, which is then several times faster. The relay
// follows the order the edge asks in, so the edge's CPU decides.
std::string_view tunnel_ciphersuites(bool aes_hardware);
bool cpu_has_aes();

identity_result<std::shared_ptr<net::ssl::context>> make_server_context(server_tls_config config);
identity_result<std::shared_ptr<net::ssl::context>> make_client_context(const client_tls_config& config);
// For the pairing client: no client certificate, and the server is checked after the
// handshake against the pinned fingerprint (verify_pinned_peer) before any secret is sent.
identity_result<std::shared_ptr<net::ssl::context>> make_pairing_client_context(
    std::optional<bool> aes_hardware = std::nullopt);

// On a client connection before the handshake: SNI (for DNS names), the name or IP address
// the server certificate must carry, and the ALPN protocol to offer.
identity_result<void> prepare_client(SSL* ssl, std::string_view host, std::string_view alpn);

// Server side, after the handshake: did this client come to pair?
bool is_pairing_connection(SSL* ssl);
// The verified client certificate's identity (nullopt: none, or not verified).
std::optional<peer_identity> peer_identity_of(SSL* ssl);
std::optional<peer_identity> identity_of(X509& cert);

// Client side of pairing, after the handshake: the peer's chain must contain a CA
// certificate whose SHA-256 fingerprint is `fingerprint`, and the server certificate must
// chain to it and name `host`. Returns that CA certificate as PEM.
identity_result<std::string> verify_pinned_peer(SSL* ssl, std::string_view fingerprint, std::string_view host);

// Parses an ALPN extension body (RFC 7301 ProtocolNameList) and says whether it offers
// `protocol`. Malformed lists offer nothing. Exposed for the fuzz target.
bool alpn_list_offers(const unsigned char* data, std::size_t size, std::string_view protocol);

}  // namespace printgate::tunnel
