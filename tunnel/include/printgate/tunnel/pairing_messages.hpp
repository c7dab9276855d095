#pragma once
// The pairing exchange on a TLS connection with ALPN "printgate-pair/1": the edge sends one
// JSON line, the relay answers with one JSON line and closes. Lines are at most
// max_pairing_line bytes; anything else is refused.
//
//   edge  -> {"type":"pair_request","code":"<id>","secret":"<hex>","csr":"<PEM>","version":"0.1.0"}
//   relay -> {"type":"pair_result","ok":true,"device_id":"d..","name":"printer1",
//             "certificate":"<PEM>","ca":"<PEM>"}
//          | {"type":"pair_result","ok":false,"reason":"expired","message":"this pairing code has expired"}
#include <cstddef>
#include <string>
#include <string_view>

#include "printgate/tunnel/identity_result.hpp"

namespace printgate::tunnel {

inline constexpr std::size_t max_pairing_line = 16 * 1024;

struct pair_request {
    std::string code_id;
    std::string secret;
    std::string csr_pem;
    std::string version;
};

struct pair_response {
    bool ok = false;
    std::string device_id;
    std::string name;
    std::string certificate_pem;
    std::string ca_pem;
    std::string reason;   // when !ok: unknown_code, wrong_secret, expired, used, exhausted, name_taken, ...
    std::string message;  // when !ok: for the person pairing
};

std::string to_line(const pair_request& r);   // with the trailing '\n'
std::string to_line(const pair_response& r);  // with the trailing '\n'
identity_result<pair_request> parse_pair_request(std::string_view line);
identity_result<pair_response> parse_pair_response(std::string_view line);

}  // namespace printgate::tunnel
