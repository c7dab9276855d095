#pragma once
// The relay's half of pairing: one pair_request line (from a TLS connection that came in
// with ALPN "printgate-pair/1", no client certificate; tunnel_server::pair_device does the
// I/O) redeems the code in the registry and signs the CSR for the new device id.
#include <string_view>

#include "printgate/relay/registry.hpp"
#include "printgate/tunnel/identity_authority.hpp"
#include "printgate/tunnel/pairing_messages.hpp"

namespace printgate::relay {

// The answer to one request line (no I/O): what tunnel_server::pair_device sends back.
tunnel::pair_response answer_pairing(std::string_view request_line, registry& devices,
                                     const tunnel::identity_authority& ca, tunnel::wall_time now);

}  // namespace printgate::relay
