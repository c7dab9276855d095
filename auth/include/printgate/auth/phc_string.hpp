#pragma once
// The PHC string format for Argon2id hashes:
//   $argon2id$v=19$m=65536,t=3,p=1$<salt, base64 no padding>$<hash, base64 no padding>
// Stored hashes come from our own database, but a damaged or tampered row must not be able
// to ask for 4 GiB of memory or crash the parser, so parameters and sizes are bounded.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/auth/result.hpp"

namespace printgate::auth {

struct phc_string {
    static constexpr std::size_t max_length = 512;
    static constexpr std::uint32_t max_memory_kib = 4u * 1024 * 1024;  // 4 GiB
    static constexpr std::uint32_t max_iterations = 64;
    static constexpr std::uint32_t max_parallelism = 64;
    static constexpr std::size_t min_salt = 8, max_salt = 64;
    static constexpr std::size_t min_hash = 16, max_hash = 64;

    std::uint32_t version = 0x13;
    std::uint32_t memory_kib = 0;
    std::uint32_t iterations = 0;
    std::uint32_t parallelism = 0;
    std::vector<std::uint8_t> salt;
    std::vector<std::uint8_t> hash;

    // Only argon2id, version 19, parameters in the order m, t, p (as libargon2 writes them).
    static result<phc_string> parse(std::string_view text);
    std::string to_string() const;
};

}  // namespace printgate::auth
