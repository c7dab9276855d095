#pragma once
// Bearer tokens (session ids, known-device tokens): 256 random bits, sent as 43 base64url
// characters, stored only as their BLAKE2b-256 hash. A stolen database therefore holds
// nothing that can be presented as a cookie. A fast unkeyed hash is enough: the input has
// 256 bits of entropy, so there is nothing to guess.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "printgate/auth/random_source.hpp"

namespace printgate::auth::detail {

using token_hash = std::array<std::uint8_t, 32>;

struct new_token {
    std::string text;
    token_hash hash;
};

new_token make_token(random_source& random);
// Nothing unless text is exactly a token's shape (43 canonical base64url characters).
std::optional<token_hash> hash_token(std::string_view text);

}  // namespace printgate::auth::detail
