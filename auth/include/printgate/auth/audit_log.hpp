#pragma once
// The record of security events that the owner reads on the account page. It never holds a
// secret: events are typed, and the free-text detail is for facts such as "3 sessions" or a
// device name, never for what a person typed. For a failed sign-in with an unknown name the
// name is not stored either: people type their password into the name field.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/auth/database.hpp"
#include "printgate/auth/result.hpp"
#include "printgate/auth/wall_clock.hpp"

namespace printgate::auth {

enum class audit_event {
    sign_in_success,        // both factors done
    sign_in_failure,        // wrong password or unknown name
    second_factor_failure,  // wrong or replayed TOTP code, wrong recovery code
    sign_in_limited,        // refused by the rate limiter
    signed_out,
    totp_enrolled,
    second_factor_reset,
    recovery_codes_created,
    recovery_code_used,
    password_changed,
    session_revoked,
    sessions_revoked_all,
    device_paired,
    device_revoked,
    api_key_created,
    api_key_revoked,
    user_created,
    user_disabled,
    user_enabled,
    printer_command,  // a command sent to a printer from the relay's pages
};

const char* to_string(audit_event e);
std::optional<audit_event> audit_event_from_string(std::string_view s);

struct audit_record {
    audit_event event;
    std::optional<std::int64_t> user_id;
    std::string_view user_name;
    std::string_view client_address;
    std::string_view detail;
};

struct audit_entry {
    std::int64_t id = 0;
    wall_clock::time_point at;
    audit_event event = audit_event::sign_in_failure;
    std::optional<std::int64_t> user_id;
    std::string user_name;
    std::string client_address;
    std::string detail;
};

struct audit_query {
    std::optional<std::int64_t> user_id;    // one account's events (what a non-owner may see)
    std::optional<std::int64_t> before_id;  // paging: the id of the last entry of the previous page
    std::size_t limit = 50;                 // at most 500
};

class audit_log {
public:
    audit_log(database& db, const wall_clock& clock);

    result<std::int64_t> record(const audit_record& r);
    // Newest first.
    result<std::vector<audit_entry>> query(const audit_query& q);
    result<std::int64_t> prune_before(wall_clock::time_point t);

private:
    database& db_;
    const wall_clock& clock_;
};

}  // namespace printgate::auth
