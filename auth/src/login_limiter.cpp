#include "printgate/auth/login_limiter.hpp"

#include <algorithm>

#include "lru_map.hpp"
#include "printgate/auth/client_address.hpp"

namespace printgate::auth {
namespace {

using time_point = printgate::clock::time_point;

// Token buckets kept as GCRA ("virtual scheduling"): one instant per bucket, the time at
// which it would be full again, instead of a fractional token count. All arithmetic is
// on integer durations, so the edges are exact.
struct bucket {
    time_point tat{};  // theoretical arrival time
};

struct account {
    unsigned failures = 0;
    time_point last_failure{};
};

std::chrono::seconds round_up_seconds(std::chrono::microseconds d) {
    auto s = std::chrono::ceil<std::chrono::seconds>(d);
    return std::max(s, std::chrono::seconds(1));
}

std::string account_key(std::string_view name) {
    std::string key(name.substr(0, 128));
    for (char& c : key)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return key;
}

}  // namespace

struct login_limiter::state {
    state(std::size_t addresses, std::size_t accounts) : buckets(addresses), accounts(accounts) {}
    detail::lru_map<bucket> buckets;
    detail::lru_map<account> accounts;
};

login_limiter::login_limiter(const printgate::clock& clock, login_limiter_config config)
    : clock_(clock), config_(config), state_(std::make_unique<state>(config.max_addresses, config.max_accounts)) {}

login_limiter::~login_limiter() = default;

limit_decision login_limiter::allow_address(limit_kind kind, std::string_view address) {
    const token_bucket_config& cfg = kind == limit_kind::sign_in         ? config_.sign_in
                                     : kind == limit_kind::second_factor ? config_.second_factor
                                                                         : config_.pairing;
    const char tag = kind == limit_kind::sign_in ? 's' : kind == limit_kind::second_factor ? 't' : 'p';
    std::string key = std::string(1, tag) + client_address_key(address);
    const auto interval = cfg.refill;
    const auto tolerance = interval * (cfg.burst == 0 ? 0 : cfg.burst - 1);

    std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    bucket& b = state_->buckets.get(key);
    const auto tat = std::max(b.tat, now);
    if (cfg.burst == 0 || tat - now > tolerance) {
        auto wait = std::chrono::duration_cast<std::chrono::microseconds>(tat - now - tolerance);
        if (cfg.burst == 0) wait = std::chrono::microseconds::max() / 2;
        return {false, round_up_seconds(wait)};
    }
    b.tat = tat + interval;
    return {};
}

std::chrono::microseconds login_limiter::delay_after(unsigned failures) const {
    if (failures <= config_.free_failures) return std::chrono::microseconds(0);
    unsigned doublings = failures - config_.free_failures - 1;
    if (doublings >= 40) return config_.max_delay;
    auto delay = config_.first_delay * (std::int64_t{1} << doublings);
    return std::min(delay, config_.max_delay);
}

limit_decision login_limiter::allow_account(std::string_view name, bool known_device) {
    if (known_device) return {};
    std::lock_guard lock(mutex_);
    const account* a = state_->accounts.find(account_key(name));
    if (!a) return {};
    const auto now = clock_.now();
    if (now - a->last_failure >= config_.forget_after) return {};
    const auto ready = a->last_failure + delay_after(a->failures);
    if (now >= ready) return {};
    return {false, round_up_seconds(std::chrono::duration_cast<std::chrono::microseconds>(ready - now))};
}

void login_limiter::record_failure(std::string_view name) {
    std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    account& a = state_->accounts.get(account_key(name));
    if (a.failures > 0 && now - a.last_failure >= config_.forget_after) a.failures = 0;
    if (a.failures < 1000) ++a.failures;
    a.last_failure = now;
}

void login_limiter::record_success(std::string_view name) {
    std::lock_guard lock(mutex_);
    state_->accounts.erase(account_key(name));
}

std::size_t login_limiter::tracked_addresses() const {
    std::lock_guard lock(mutex_);
    return state_->buckets.size();
}

std::size_t login_limiter::tracked_accounts() const {
    std::lock_guard lock(mutex_);
    return state_->accounts.size();
}

}  // namespace printgate::auth
