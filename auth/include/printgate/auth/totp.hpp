#pragma once
// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP). Authenticator apps use
// SHA-1, 6 digits, 30 s; SHA-256/512 and 8 digits are there for the RFC's test vectors.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "printgate/auth/random_source.hpp"
#include "printgate/auth/result.hpp"
#include "printgate/auth/secret_bytes.hpp"
#include "printgate/auth/wall_clock.hpp"

namespace printgate::auth {

enum class totp_algorithm { sha1, sha256, sha512 };

struct totp_params {
    totp_algorithm algorithm = totp_algorithm::sha1;
    unsigned digits = 6;                   // 6..8
    std::chrono::seconds period{30};
    unsigned window = 1;                   // steps accepted either side of now (clock drift)
};

class totp {
public:
    static constexpr std::size_t secret_bytes_length = 20;  // 160 bits, RFC 4226's recommendation
    static constexpr std::size_t max_input_length = 32;

    explicit totp(totp_params params = {});

    std::uint64_t step_at(wall_clock::time_point t) const;
    std::string code_at_step(std::span<const std::uint8_t> secret, std::uint64_t step) const;
    std::string code_at(std::span<const std::uint8_t> secret, wall_clock::time_point t) const {
        return code_at_step(secret, step_at(t));
    }

    // The accepted step on success: the caller stores it as the new last step (and must
    // do so atomically, see user_store::accept_totp_step). errc::replayed for a code of a
    // step at or below last_step, errc::wrong_secret for a wrong code, errc::malformed or
    // errc::too_large for input that is not a code at all.
    result<std::uint64_t> verify(std::span<const std::uint8_t> secret, std::string_view input,
                                 wall_clock::time_point now, std::optional<std::uint64_t> last_step) const;

    // What the person typed, as exactly `digits` ASCII digits: spaces and '-' are dropped
    // (apps show "123 456"), anything else is an error.
    static result<std::string> normalize_code(std::string_view input, unsigned digits);

    static secret_bytes generate_secret(random_source& random);

    const totp_params& params() const { return params_; }

private:
    totp_params params_;
};

const char* to_string(totp_algorithm a);  // "SHA1", "SHA256", "SHA512" as in otpauth:// URIs

}  // namespace printgate::auth
