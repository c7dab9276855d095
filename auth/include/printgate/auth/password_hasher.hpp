#pragma once
// Argon2id password hashing (libargon2, the reference implementation) with PHC strings.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "printgate/auth/hash_slots.hpp"
#include "printgate/auth/random_source.hpp"
#include "printgate/auth/result.hpp"

namespace printgate::auth {

struct argon2_params {
    // OWASP's first Argon2id choice is 19 MiB, t=2; 64 MiB, t=3 (RFC 9106's second
    // recommendation) costs a Raspberry Pi 4 or a small VPS well under a second.
    std::uint32_t memory_kib = 64 * 1024;
    std::uint32_t iterations = 3;
    std::uint32_t parallelism = 1;
    std::uint32_t salt_bytes = 16;
    std::uint32_t hash_bytes = 32;
};

struct hasher_limits {
    std::size_t max_running = 2;   // concurrent hashes (about one per core)
    std::size_t max_waiting = 16;  // queued behind them before "busy"
};

enum class password_match { yes, no };

class password_hasher {
public:
    password_hasher(argon2_params params, hasher_limits limits,
                    random_source& random = system_random_source::instance());

    // A new PHC string with a fresh salt. errc::busy when the queue is full.
    result<std::string> hash(std::string_view password);

    // Verifies against a stored PHC string, recomputing with the string's own parameters.
    // errc::busy when the queue is full, errc::malformed for a damaged hash.
    result<password_match> verify(std::string_view phc, std::string_view password);

    // For an unknown user name: the same Argon2 work as a real verify, always "no", so
    // that timing does not tell an attacker which accounts exist.
    result<password_match> verify_dummy(std::string_view password);

    // True when the stored hash was made with other parameters (or cannot be read): the
    // caller rehashes with the password it just verified.
    bool needs_rehash(std::string_view phc) const;

    const argon2_params& params() const { return params_; }
    hash_slots& slots() { return slots_; }
    // Argon2 computations started (hash, verify and dummy): for benches and metrics.
    std::uint64_t hashes_computed() const { return computed_.load(); }

private:
    result<std::string> hash_unlimited(std::string_view password);

    argon2_params params_;
    random_source& random_;
    hash_slots slots_;
    std::string dummy_phc_;
    std::atomic<std::uint64_t> computed_{0};
};

}  // namespace printgate::auth
