#include "token.hpp"

#include <sodium.h>

#include "base64.hpp"
#include "printgate/auth/secret_bytes.hpp"
#include "sodium.hpp"

namespace printgate::auth::detail {
namespace {

constexpr std::size_t token_bytes = 32;
constexpr std::size_t token_chars = 43;

token_hash hash_bytes(std::span<const std::uint8_t> raw) {
    token_hash h{};
    crypto_generichash(h.data(), h.size(), raw.data(), raw.size(), nullptr, 0);
    return h;
}

}  // namespace

new_token make_token(random_source& random) {
    ensure_sodium();
    secret_bytes raw(token_bytes);
    random.fill(raw.span());
    return new_token{base64url_encode(raw.span()), hash_bytes(raw.span())};
}

std::optional<token_hash> hash_token(std::string_view text) {
    ensure_sodium();
    if (text.size() != token_chars) return std::nullopt;
    auto raw = base64url_decode(text);
    if (!raw || raw->size() != token_bytes) return std::nullopt;
    auto h = hash_bytes(*raw);
    sodium_memzero(raw->data(), raw->size());
    return h;
}

}  // namespace printgate::auth::detail
