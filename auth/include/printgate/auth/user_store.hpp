#pragma once
// Accounts: name, Argon2id PHC hash, role, disabled flag, the sealed TOTP secret and the
// last TOTP step accepted (for replay refusal).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/auth/database.hpp"
#include "printgate/auth/result.hpp"
#include "printgate/auth/wall_clock.hpp"

namespace printgate::auth {

enum class user_role { owner, user };
const char* to_string(user_role role);

struct user_record {
    std::int64_t id = 0;
    std::string name;
    std::string password_phc;
    user_role role = user_role::user;
    bool disabled = false;
    std::optional<std::vector<std::uint8_t>> totp_secret_sealed;  // secret_box_key::seal output
    std::optional<std::uint64_t> last_totp_step;
    std::optional<std::vector<std::uint8_t>> totp_pending_sealed;  // shown, not yet confirmed
    wall_clock::time_point created_at;
    wall_clock::time_point password_changed_at;

    bool has_totp() const { return totp_secret_sealed.has_value(); }
};

class user_store {
public:
    static constexpr std::size_t max_name_bytes = 64;

    user_store(database& db, const wall_clock& clock);

    // Names are unique without regard to ASCII case. errc::conflict if taken,
    // errc::malformed for a bad name or something that is not an Argon2id PHC string.
    result<user_record> create(std::string_view name, std::string_view password_phc, user_role role);
    result<user_record> find_by_name(std::string_view name);  // errc::not_found
    result<user_record> find_by_id(std::int64_t id);
    result<std::vector<user_record>> list();
    result<std::int64_t> count();

    // A new password chosen by the user (or reset by the owner): every session of the
    // account is revoked in the same transaction. Returns how many were.
    result<std::int64_t> set_password(std::int64_t id, std::string_view password_phc);
    // The same password hashed with new parameters after a successful sign-in: sessions stay.
    result<void> rehash_password(std::int64_t id, std::string_view password_phc);
    // Disabling also revokes the account's sessions.
    result<void> set_disabled(std::int64_t id, bool disabled);

    // Enrolment: stores the sealed secret and forgets the last accepted step.
    result<void> set_totp_secret(std::int64_t id, std::span<const std::uint8_t> sealed);
    // Enrolment in two steps: the secret shown to the user is kept aside ...
    result<void> set_pending_totp(std::int64_t id, std::span<const std::uint8_t> sealed);
    // ... and becomes the account's secret once a first code from it was right (`step`
    // is that code's step, so it cannot be used again). errc::not_found without one.
    result<void> confirm_pending_totp(std::int64_t id, std::uint64_t step);
    // "reset-2fa": removes the secret and all recovery codes; the user enrolls again.
    result<void> clear_second_factor(std::int64_t id);
    // Records step as used, atomically: errc::replayed if a step at or above it was already
    // accepted (two requests racing with the same code: only one wins).
    result<void> accept_totp_step(std::int64_t id, std::uint64_t step);

    // Why a name is not acceptable, or nothing if it is.
    static std::optional<std::string> check_name(std::string_view name);

private:
    database& db_;
    const wall_clock& clock_;
};

}  // namespace printgate::auth
