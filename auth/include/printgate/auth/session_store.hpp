#pragma once
// Server-side sessions (OWASP ASVS V3). The browser holds a 256-bit random id in the
// __Host-printgate cookie; the database holds only its hash. A session starts in
// password_ok (the password was right, the second factor is still due) and becomes full
// after TOTP or a recovery code; each step issues a new id and kills the old one, so an id
// seen before sign-in (session fixation) is worthless after it.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/auth/database.hpp"
#include "printgate/auth/random_source.hpp"
#include "printgate/auth/result.hpp"
#include "printgate/auth/wall_clock.hpp"

namespace printgate::auth {

enum class session_state { password_ok, full };
const char* to_string(session_state state);

struct session_config {
    std::chrono::microseconds idle_timeout = std::chrono::minutes(30);
    std::chrono::microseconds absolute_timeout = std::chrono::hours(12);
    // How long the second factor may take after the password step.
    std::chrono::microseconds second_factor_timeout = std::chrono::minutes(5);
    // touch() writes last-seen at most this often: every proxied request (each MJPEG
    // frame, each API poll) counts as activity, and a write for each would be wasteful.
    // A session may therefore end up to this much before the idle timeout.
    std::chrono::microseconds touch_granularity = std::chrono::seconds(10);
    std::size_t max_user_agent_bytes = 256;
};

struct session_info {
    std::int64_t id = 0;  // row id, for listing and revoking; not a secret
    std::int64_t user_id = 0;
    session_state state = session_state::password_ok;
    wall_clock::time_point created_at;  // the password step: the absolute timeout counts from here
    wall_clock::time_point state_at;    // when the current state was entered
    wall_clock::time_point last_seen_at;
    std::string client_address;
    std::string user_agent;
};

struct issued_session {
    std::string token;  // the cookie value: exists only here and in the browser
    session_info info;
};

class session_store {
public:
    session_store(database& db, const wall_clock& clock, random_source& random = system_random_source::instance(),
                  session_config config = {});

    result<issued_session> create(std::int64_t user_id, session_state state, std::string_view client_address,
                                  std::string_view user_agent);

    // The live session for a cookie value, without counting as activity. errc::expired (and
    // the row is deleted) past a timeout; errc::not_found for unknown or malformed ids.
    result<session_info> find(std::string_view token);
    // find(), and the request counts as activity.
    result<session_info> touch(std::string_view token);
    // Replaces the session by one with a new id in new_state (keeping its start, so the
    // absolute timeout cannot be stretched by rotating). The old id stops working at once.
    result<issued_session> rotate(std::string_view token, session_state new_state);

    result<void> revoke(std::string_view token);  // sign out
    result<void> revoke_by_id(std::int64_t user_id, std::int64_t session_id);
    result<std::int64_t> revoke_all(std::int64_t user_id);
    result<std::vector<session_info>> list(std::int64_t user_id);  // live ones, newest first
    result<std::int64_t> purge_expired();

    const session_config& config() const { return config_; }

private:
    bool expired(const session_info& s, wall_clock::time_point now) const;

    database& db_;
    const wall_clock& clock_;
    random_source& random_;
    session_config config_;
};

}  // namespace printgate::auth
