#pragma once
// Rate limits that run before any password hashing (OWASP ASVS 2.2.1):
//  - per client address (IPv6 by /64), one token bucket for each of sign-in, second factor
//    and pairing, so guessing at one does not use up the others;
//  - per account, a growing delay after consecutive failures (by default 0, 0, 0, then 1 s,
//    2 s, 4 s ... up to 15 min) instead of a lock-out that an attacker could trigger on
//    purpose. A browser the account signed in from before (a known device) is not held
//    back by this delay, so the owner still gets in while someone else is guessing.
// Both tables have a fixed maximum size; the least recently seen entries are forgotten
// first. Time comes from the injected clock; the limiter is safe to share between threads.
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "printgate/common/clock.hpp"

namespace printgate::auth {

enum class limit_kind { sign_in, second_factor, pairing };

struct token_bucket_config {
    unsigned burst;                         // attempts allowed at once
    std::chrono::microseconds refill;       // one more attempt per this interval
};

struct login_limiter_config {
    token_bucket_config sign_in{10, std::chrono::seconds(6)};
    token_bucket_config second_factor{10, std::chrono::seconds(6)};
    token_bucket_config pairing{5, std::chrono::seconds(60)};
    std::size_t max_addresses = 100'000;
    std::size_t max_accounts = 100'000;
    unsigned free_failures = 3;
    std::chrono::microseconds first_delay = std::chrono::seconds(1);
    std::chrono::microseconds max_delay = std::chrono::minutes(15);
    // A quiet spell this long since the last failure wipes the slate.
    std::chrono::microseconds forget_after = std::chrono::hours(24);
};

struct limit_decision {
    bool allowed = true;
    std::chrono::seconds retry_after{0};  // for HTTP 429 Retry-After: whole seconds, rounded up
};

class login_limiter {
public:
    explicit login_limiter(const printgate::clock& clock, login_limiter_config config = {});
    ~login_limiter();

    // Takes one attempt from the address's bucket for `kind`, or says when one will be free.
    limit_decision allow_address(limit_kind kind, std::string_view address);

    // Whether the account may be tried now. It does not count anything: the caller reports
    // the outcome with record_failure / record_success. The name is compared without
    // regard to ASCII case, and unknown names are tracked exactly like real ones, so the
    // answer does not reveal which accounts exist.
    limit_decision allow_account(std::string_view account, bool known_device);
    void record_failure(std::string_view account);
    void record_success(std::string_view account);

    // The delay after `failures` consecutive failures.
    std::chrono::microseconds delay_after(unsigned failures) const;

    std::size_t tracked_addresses() const;
    std::size_t tracked_accounts() const;

private:
    struct state;
    const printgate::clock& clock_;
    login_limiter_config config_;
    mutable std::mutex mutex_;
    std::unique_ptr<state> state_;
};

}  // namespace printgate::auth
