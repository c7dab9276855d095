#include "printgate/auth/totp.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace printgate::auth {
namespace {

const char* digest_name(totp_algorithm a) {
    switch (a) {
    case totp_algorithm::sha1: return "SHA1";
    case totp_algorithm::sha256: return "SHA256";
    case totp_algorithm::sha512: return "SHA512";
    }
    return "SHA1";
}

}  // namespace

const char* to_string(totp_algorithm a) { return digest_name(a); }

totp::totp(totp_params params) : params_(params) {
    if (params_.digits < 6 || params_.digits > 8) throw std::invalid_argument("totp digits must be 6..8");
    if (params_.period.count() < 1) throw std::invalid_argument("totp period must be positive");
    if (params_.window > 10) throw std::invalid_argument("totp window too large");
}

std::uint64_t totp::step_at(wall_clock::time_point t) const {
    auto secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    if (secs < 0) return 0;
    return static_cast<std::uint64_t>(secs) / static_cast<std::uint64_t>(params_.period.count());
}

std::string totp::code_at_step(std::span<const std::uint8_t> secret, std::uint64_t step) const {
    std::array<std::uint8_t, 8> counter{};
    for (int i = 7; i >= 0; --i) {
        counter[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(step & 0xff);
        step >>= 8;
    }
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
    std::size_t mac_len = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest_name(params_.algorithm), nullptr, secret.data(), secret.size(),
                  counter.data(), counter.size(), mac.data(), mac.size(), &mac_len) == nullptr)
        throw std::runtime_error("HMAC failed");
    // RFC 4226 section 5.3, dynamic truncation.
    std::size_t offset = mac[mac_len - 1] & 0x0f;
    std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                           (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                           (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
    std::uint32_t modulus = 1;
    for (unsigned i = 0; i < params_.digits; ++i) modulus *= 10;
    std::string code = std::to_string(binary % modulus);
    return std::string(params_.digits - code.size(), '0') + code;
}

result<std::string> totp::normalize_code(std::string_view input, unsigned digits) {
    if (input.size() > max_input_length) return error{errc::too_large, "the code is too long"};
    std::string out;
    for (char c : input) {
        if (c == ' ' || c == '-') continue;
        if (c < '0' || c > '9') return error{errc::malformed, "the code must contain only digits"};
        out.push_back(c);
    }
    if (out.size() != digits)
        return error{errc::malformed, "the code must have " + std::to_string(digits) + " digits"};
    return out;
}

result<std::uint64_t> totp::verify(std::span<const std::uint8_t> secret, std::string_view input,
                                   wall_clock::time_point now, std::optional<std::uint64_t> last_step) const {
    auto code = normalize_code(input, params_.digits);
    if (!code) return code.err();
    if (secret.empty()) return error{errc::malformed, "no TOTP secret"};
    const std::uint64_t current = step_at(now);
    const std::uint64_t first = current >= params_.window ? current - params_.window : 0;
    std::optional<std::uint64_t> fresh;
    bool replayed = false;
    // Every candidate is computed and compared, match or not, so the time taken does not
    // say which step matched.
    for (std::uint64_t step = first; step <= current + params_.window; ++step) {
        bool match = constant_time_equal(code_at_step(secret, step), code.value());
        if (!match) continue;
        if (last_step && step <= *last_step)
            replayed = true;
        else if (!fresh)
            fresh = step;
    }
    if (fresh) return *fresh;
    if (replayed) return error{errc::replayed, "this code was already used; wait for the next one"};
    return error{errc::wrong_secret, "the code is not correct"};
}

secret_bytes totp::generate_secret(random_source& random) {
    secret_bytes s(secret_bytes_length);
    random.fill(s.span());
    return s;
}

}  // namespace printgate::auth
