#include "printgate/auth/random_source.hpp"

#include <sodium.h>

#include <cstring>

#include "sodium.hpp"

namespace printgate::auth {

void system_random_source::fill(std::span<std::uint8_t> out) {
    if (out.empty()) return;
    detail::ensure_sodium();
    randombytes_buf(out.data(), out.size());
}

system_random_source& system_random_source::instance() {
    static system_random_source source;
    return source;
}

seeded_random_source::seeded_random_source(std::uint64_t seed) {
    detail::ensure_sodium();
    std::memcpy(seed_.data(), &seed, sizeof seed);
}

void seeded_random_source::fill(std::span<std::uint8_t> out) {
    if (out.empty()) return;
    std::lock_guard lock(mutex_);
    // Each call gets its own sub-seed so that consecutive calls differ but the whole
    // sequence is fixed by the initial seed.
    std::array<std::uint8_t, randombytes_SEEDBYTES> sub{};
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, sub.size());
    crypto_generichash_update(&state, seed_.data(), seed_.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(&counter_), sizeof counter_);
    crypto_generichash_final(&state, sub.data(), sub.size());
    ++counter_;
    randombytes_buf_deterministic(out.data(), out.size(), sub.data());
}

std::string random_hex_token(random_source& random) {
    std::array<std::uint8_t, 32> bytes{};
    random.fill(bytes);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(64);
    for (auto b : bytes) {
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 15]);
    }
    return out;
}

}  // namespace printgate::auth
