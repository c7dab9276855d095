#pragma once
// The server key that protects secrets at rest: TOTP secrets are sealed with it
// (crypto_secretbox, XSalsa20-Poly1305) before they reach SQLite, and keyed hashes of
// recovery codes use a sub-key derived from it. It lives in its own file, apart from the
// database, so that a copy of the database alone gives away neither.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "printgate/auth/random_source.hpp"
#include "printgate/auth/result.hpp"
#include "printgate/auth/secret_bytes.hpp"

namespace printgate::auth {

class secret_box_key {
public:
    static constexpr std::size_t key_length = 32;

    // Reads the 32-byte key file, or creates it (mode 0600, exclusively) when it does not
    // exist. Refused: a file that group or others may access, that someone else owns, that
    // is not a regular file (symbolic links are not followed), or that has the wrong size.
    static result<secret_box_key> load_or_create(const std::filesystem::path& path,
                                                 random_source& random = system_random_source::instance());

    // A key not stored anywhere: for tests.
    static secret_box_key from_bytes(std::span<const std::uint8_t, key_length> bytes);

    // nonce || ciphertext-with-tag, with a fresh random nonce.
    std::vector<std::uint8_t> seal(std::span<const std::uint8_t> plaintext, random_source& random) const;
    // errc::wrong_secret when the box was not sealed with this key or was altered.
    result<secret_bytes> open(std::span<const std::uint8_t> sealed) const;

    // An independent 32-byte key for one purpose (crypto_kdf, BLAKE2b): `context` is
    // exactly 8 characters naming the purpose, e.g. "recovery".
    secret_bytes derive(std::uint64_t subkey_id, std::string_view context) const;

private:
    explicit secret_box_key(secret_bytes key) : key_(std::move(key)) {}
    secret_bytes key_;
};

}  // namespace printgate::auth
