#pragma once
// The relay's half of pairing, on a TLS connection that came in with ALPN
// "printgate-pair/1" (no client certificate): read one pair_request line, redeem the code in
// the registry, sign the CSR for the new device id, answer one pair_result line.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "printgate/relay/registry.hpp"
#include "printgate/tunnel/identity_authority.hpp"
#include "printgate/tunnel/pairing_messages.hpp"

namespace printgate::relay {

// The answer to one request line (no I/O): what serve_pairing sends back.
tunnel::pair_response answer_pairing(std::string_view request_line, registry& devices,
                                     const tunnel::identity_authority& ca, tunnel::wall_time now);

boost::asio::awaitable<void> serve_pairing(boost::asio::ssl::stream<boost::asio::ip::tcp::socket>& stream,
                                           registry& devices, const tunnel::identity_authority& ca);

}  // namespace printgate::relay
