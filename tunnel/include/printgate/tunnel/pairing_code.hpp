#pragma once
// The pairing code `printgate-relay device add NAME` prints and `printgate-edge pair CODE`
// takes: one copy-pasteable token carrying everything the edge needs for first contact.
//
//   pg1.<code id: 16 hex>.<secret: 32 hex>.<CA SHA-256 fingerprint: 64 hex>.<host>:<port>
//
// The host is last because it may contain dots; an IPv6 host is bracketed ("[::1]:7443").
// The relay stores only a hash of the secret. See docs/pairing.md.
#include <cstdint>
#include <string>
#include <string_view>

#include "printgate/tunnel/identity_result.hpp"

namespace printgate::tunnel {

inline constexpr std::size_t max_pairing_code_size = 400;

struct pairing_code {
    std::string code_id;
    std::string secret;
    std::string fingerprint;
    std::string host;  // without brackets
    std::uint16_t port = 0;
};

std::string format_pairing_code(const pairing_code& code);
// Surrounding white space is ignored; anything else malformed is an error saying which part.
identity_result<pairing_code> parse_pairing_code(std::string_view text);

}  // namespace printgate::tunnel
