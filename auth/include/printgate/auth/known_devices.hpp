#pragma once
// Browsers the account signed in from before (full sign-in, both factors). Each gets a
// 256-bit token in the __Host-printgate-device cookie, stored only as a hash. The login
// limiter lets a known device through the per-account delays, so that someone guessing the
// owner's password from elsewhere cannot lock the owner out.
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

struct known_device {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string label;  // e.g. the user agent at the time, for the account page
    wall_clock::time_point created_at;
    wall_clock::time_point last_used_at;
};

struct issued_device_token {
    std::string token;  // the cookie value
    known_device device;
};

class known_devices {
public:
    known_devices(database& db, const wall_clock& clock, random_source& random = system_random_source::instance(),
                  std::chrono::microseconds max_idle = std::chrono::hours(24 * 365));

    result<issued_device_token> remember(std::int64_t user_id, std::string_view label);
    // True only for a token issued to this user and used within max_idle; a use refreshes it.
    result<bool> is_known(std::int64_t user_id, std::string_view token);
    result<std::vector<known_device>> list(std::int64_t user_id);
    result<void> forget(std::int64_t user_id, std::int64_t device_id);
    result<std::int64_t> forget_all(std::int64_t user_id);

private:
    database& db_;
    const wall_clock& clock_;
    random_source& random_;
    std::chrono::microseconds max_idle_;
};

}  // namespace printgate::auth
