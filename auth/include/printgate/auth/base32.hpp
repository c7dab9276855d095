#pragma once
// RFC 4648 base32 (A-Z, 2-7): the alphabet authenticator apps expect for TOTP secrets,
// and the one recovery codes are written in because it has no 0/O or 1/I/l to confuse.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/auth/result.hpp"

namespace printgate::auth {

// Upper case, without '=' padding (otpauth:// URIs leave it out).
std::string base32_encode(std::span<const std::uint8_t> bytes);

// Accepts upper or lower case, spaces and '-' between characters (people copy secrets with
// them), and optional trailing '=' padding. Rejects anything else, leftover bits that are
// not zero, and input longer than max_chars.
result<std::vector<std::uint8_t>> base32_decode(std::string_view text, std::size_t max_chars = 1024);

}  // namespace printgate::auth
