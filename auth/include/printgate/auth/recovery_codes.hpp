#pragma once
// Single-use recovery codes, for when the authenticator app is lost. Ten per account, each
// 10 base32 characters (50 random bits) shown as "ABCDE-FGHJK" once, then kept only as a
// keyed hash.
//
// Why a keyed BLAKE2b and not Argon2: Argon2 exists to slow down guessing of low-entropy
// human passwords. A recovery code has 50 bits from the CSPRNG, guessing online is rate
// limited, and the key lives in the key file, not in the database: someone holding only a
// copy of the database cannot test a single guess offline. A slow hash would add nothing
// but CPU cost (and a way to burn it) on every attempt.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/auth/database.hpp"
#include "printgate/auth/random_source.hpp"
#include "printgate/auth/result.hpp"
#include "printgate/auth/secret_box_key.hpp"
#include "printgate/auth/wall_clock.hpp"

namespace printgate::auth {

class recovery_codes {
public:
    static constexpr std::size_t code_count = 10;
    static constexpr std::size_t code_chars = 10;
    static constexpr std::size_t max_input_length = 64;

    recovery_codes(database& db, const secret_box_key& key, const wall_clock& clock,
                   random_source& random = system_random_source::instance());

    // Replaces every code of the user with ten new ones and returns them: the only time
    // they exist in clear. The caller shows them once and keeps them nowhere.
    result<std::vector<std::string>> regenerate(std::int64_t user_id);

    // Uses up a code. The check and the marking happen in one transaction, so two requests
    // with the same code cannot both succeed. errc::wrong_secret for a wrong or used code.
    result<void> consume(std::int64_t user_id, std::string_view input);

    result<std::int64_t> remaining(std::int64_t user_id);

    // Canonical form of what a person typed: upper case, without spaces and '-', with the
    // look-alikes 0/1/8 read as O/I/B (they are not in the base32 alphabet). errc::malformed
    // unless exactly 10 base32 characters remain.
    static result<std::string> normalize(std::string_view input);

private:
    std::vector<std::uint8_t> keyed_hash(std::string_view canonical) const;

    database& db_;
    secret_bytes hash_key_;
    const wall_clock& clock_;
    random_source& random_;
};

}  // namespace printgate::auth
