#pragma once
// The edge's side of pairing, and the identity it keeps afterwards.
//
// pair_with_relay parses the code, generates a P-256 key on this machine, connects to the
// relay named in the code with ALPN "printgate-pair/1", checks the relay against the CA
// fingerprint in the code before sending anything, sends a CSR with the code's secret, and
// stores what it gets under state_dir:
//
//   device.key    the private key (0600; it never leaves this machine)
//   device.pem    the device certificate
//   relay-ca.pem  the relay CA (the only trust anchor of the tunnel)
//   relay.json    {"device_id", "name", "relay_host", "relay_port"}
//
// Nothing is written unless the relay accepted the code; a wrong, expired, used or
// exhausted code is an error whose message says which.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "printgate/tunnel/identity.hpp"

namespace printgate::tunnel {

struct edge_identity {
    std::string device_id;
    std::string name;
    std::string relay_host;
    std::uint16_t relay_port = 0;
    std::string key_pem;
    std::string certificate_pem;
    std::string ca_pem;
};

boost::asio::awaitable<identity_result<edge_identity>> pair_with_relay(std::string code,
                                                                      std::filesystem::path state_dir,
                                                                      std::string version = {});
// The same on its own io_context, giving up after `timeout`.
identity_result<edge_identity> pair_with_relay_blocking(std::string code, const std::filesystem::path& state_dir,
                                                        std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                                        std::string version = {});

// What pairing stored; an error when the directory was never paired or is damaged.
identity_result<edge_identity> load_edge_identity(const std::filesystem::path& state_dir);
// After a renewal: the new key and certificate replace the old ones (key first, 0600).
identity_result<void> store_renewed_identity(const std::filesystem::path& state_dir, std::string_view key_pem,
                                             std::string_view certificate_pem);

}  // namespace printgate::tunnel
