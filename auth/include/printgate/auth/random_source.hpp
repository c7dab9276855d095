#pragma once
// Randomness is injected (like the clock) so that tests are deterministic: a test can
// predict every secret, session id and salt it will see.
#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>

namespace printgate::auth {

class random_source {
public:
    virtual ~random_source() = default;
    virtual void fill(std::span<std::uint8_t> out) = 0;
};

// libsodium's randombytes_buf (getrandom(2)): the only source for production.
class system_random_source final : public random_source {
public:
    void fill(std::span<std::uint8_t> out) override;
    static system_random_source& instance();
};

// A reproducible stream derived from a seed: for tests only, never for real secrets.
class seeded_random_source final : public random_source {
public:
    explicit seeded_random_source(std::uint64_t seed);
    void fill(std::span<std::uint8_t> out) override;

private:
    std::mutex mutex_;
    std::array<std::uint8_t, 32> seed_{};
    std::uint64_t counter_ = 0;
};

// 32 random bytes as 64 lower-case hex characters (one-time tokens in URLs and forms).
std::string random_hex_token(random_source& random);

}  // namespace printgate::auth
