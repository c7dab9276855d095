// What people type into the second-factor form: TOTP codes, recovery codes, and base32
// secrets typed in by hand. Checks the invariants of each normal form.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "printgate/auth/base32.hpp"
#include "printgate/auth/recovery_codes.hpp"
#include "printgate/auth/totp.hpp"
#include "printgate/auth/utf8.hpp"

using namespace printgate::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);

    for (unsigned digits : {6u, 8u}) {
        auto code = totp::normalize_code(text, digits);
        if (code) {
            if (code->size() != digits) std::abort();
            for (char c : code.value())
                if (c < '0' || c > '9') std::abort();
        }
    }
    if (size <= 64) {
        // Verification never throws or crashes on any input.
        static const std::uint8_t secret[20] = {1, 2, 3};
        totp t;
        (void)t.verify(secret, text, wall_clock::time_point{std::chrono::seconds(1'700'000'000)}, 56'666'666);
    }

    auto recovery = recovery_codes::normalize(text);
    if (recovery) {
        if (recovery->size() != recovery_codes::code_chars) std::abort();
        if (recovery_codes::normalize(recovery.value()).value() != recovery.value()) std::abort();
    }

    auto decoded = base32_decode(text);
    if (decoded) {
        auto encoded = base32_encode(decoded.value());
        auto again = base32_decode(encoded);
        if (!again || again.value() != decoded.value()) std::abort();
    }

    auto points = utf8_code_points(text);
    if (points && *points > text.size()) std::abort();
    auto prefix = utf8_prefix(text, size / 2);
    if (prefix.size() > size / 2) std::abort();
    if (points && !utf8_code_points(prefix)) std::abort();  // a valid text's prefix stays valid
    return 0;
}
