#include "printgate/auth/login_limiter.hpp"

#include <gtest/gtest.h>

#include "printgate/auth/client_address.hpp"

namespace printgate::auth {
namespace {

using namespace std::chrono_literals;

TEST(auth_client_address, groups_ipv6_by_64) {
    EXPECT_EQ(client_address_key("203.0.113.7"), "203.0.113.7");
    EXPECT_EQ(client_address_key("2001:db8:1:2:a:b:c:d"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_address_key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_address_key("[2001:db8:1:2::1]"), "2001:db8:1:2::/64");
    EXPECT_EQ(client_address_key("fe80::1%eth0"), "fe80::/64");
    EXPECT_NE(client_address_key("2001:db8:1:3::1"), client_address_key("2001:db8:1:2::1"));
    EXPECT_EQ(client_address_key("::ffff:203.0.113.7"), "203.0.113.7");
    EXPECT_EQ(client_address_key("not an address"), "?not an address");
    EXPECT_EQ(client_address_key(std::string(500, 'x')).size(), 65u);
}

login_limiter_config small() {
    login_limiter_config c;
    c.sign_in = {3, 10s};
    c.second_factor = {2, 5s};
    c.pairing = {1, 60s};
    return c;
}

TEST(auth_login_limiter, token_bucket_edges) {
    manual_clock clock;
    login_limiter limiter(clock, small());
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow_address(limit_kind::sign_in, "203.0.113.7").allowed) << i;
    auto denied = limiter.allow_address(limit_kind::sign_in, "203.0.113.7");
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.retry_after, 10s);
    clock.advance(10s - 1us);
    auto still = limiter.allow_address(limit_kind::sign_in, "203.0.113.7");
    EXPECT_FALSE(still.allowed);
    EXPECT_EQ(still.retry_after, 1s);  // 1 us rounds up to a whole second
    clock.advance(1us);
    EXPECT_TRUE(limiter.allow_address(limit_kind::sign_in, "203.0.113.7").allowed);
    EXPECT_FALSE(limiter.allow_address(limit_kind::sign_in, "203.0.113.7").allowed);
    // A long pause refills to the burst, not beyond.
    clock.advance(1h);
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.allow_address(limit_kind::sign_in, "203.0.113.7").allowed);
    EXPECT_FALSE(limiter.allow_address(limit_kind::sign_in, "203.0.113.7").allowed);
}

TEST(auth_login_limiter, denied_attempts_do_not_push_the_wait_further) {
    manual_clock clock;
    login_limiter limiter(clock, small());
    for (int i = 0; i < 3; ++i) limiter.allow_address(limit_kind::sign_in, "203.0.113.7");
    for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.allow_address(limit_kind::sign_in, "203.0.113.7").allowed);
    clock.advance(10s);
    EXPECT_TRUE(limiter.allow_address(limit_kind::sign_in, "203.0.113.7").allowed);
}

TEST(auth_login_limiter, kinds_and_addresses_have_separate_buckets) {
    manual_clock clock;
    login_limiter limiter(clock, small());
    for (int i = 0; i < 3; ++i) limiter.allow_address(limit_kind::sign_in, "203.0.113.7");
    EXPECT_FALSE(limiter.allow_address(limit_kind::sign_in, "203.0.113.7").allowed);
    EXPECT_TRUE(limiter.allow_address(limit_kind::second_factor, "203.0.113.7").allowed);
    EXPECT_TRUE(limiter.allow_address(limit_kind::pairing, "203.0.113.7").allowed);
    EXPECT_FALSE(limiter.allow_address(limit_kind::pairing, "203.0.113.7").allowed);
    EXPECT_EQ(limiter.allow_address(limit_kind::pairing, "203.0.113.7").retry_after, 60s);
    EXPECT_TRUE(limiter.allow_address(limit_kind::sign_in, "203.0.113.8").allowed);
}

TEST(auth_login_limiter, one_ipv6_64_is_one_client) {
    manual_clock clock;
    login_limiter limiter(clock, small());
    EXPECT_TRUE(limiter.allow_address(limit_kind::sign_in, "2001:db8:1:2::1").allowed);
    EXPECT_TRUE(limiter.allow_address(limit_kind::sign_in, "2001:db8:1:2::2").allowed);
    EXPECT_TRUE(limiter.allow_address(limit_kind::sign_in, "2001:db8:1:2:dead:beef:0:3").allowed);
    EXPECT_FALSE(limiter.allow_address(limit_kind::sign_in, "2001:db8:1:2:ffff::4").allowed);
    EXPECT_TRUE(limiter.allow_address(limit_kind::sign_in, "2001:db8:1:3::1").allowed);
}

TEST(auth_login_limiter, growing_delays_per_account) {
    manual_clock clock;
    login_limiter limiter(clock);
    EXPECT_EQ(limiter.delay_after(0), 0s);
    EXPECT_EQ(limiter.delay_after(3), 0s);
    EXPECT_EQ(limiter.delay_after(4), 1s);
    EXPECT_EQ(limiter.delay_after(5), 2s);
    EXPECT_EQ(limiter.delay_after(6), 4s);
    EXPECT_EQ(limiter.delay_after(7), 8s);
    EXPECT_EQ(limiter.delay_after(13), 512s);
    EXPECT_EQ(limiter.delay_after(14), 15min);  // 1024 s capped at 900 s
    EXPECT_EQ(limiter.delay_after(999), 15min);

    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(limiter.allow_account("jane", false).allowed);
        limiter.record_failure("jane");
    }
    EXPECT_TRUE(limiter.allow_account("jane", false).allowed);  // three free failures
    limiter.record_failure("jane");                              // fourth: 1 s
    auto d = limiter.allow_account("jane", false);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after, 1s);
    clock.advance(1s - 1us);
    EXPECT_FALSE(limiter.allow_account("jane", false).allowed);
    clock.advance(1us);
    EXPECT_TRUE(limiter.allow_account("JANE", false).allowed);  // names compare without case
    limiter.record_failure("Jane");                              // fifth: 2 s
    EXPECT_EQ(limiter.allow_account("jane", false).retry_after, 2s);
    clock.advance(2s);
    EXPECT_TRUE(limiter.allow_account("jane", false).allowed);
    // Other accounts are unaffected.
    EXPECT_TRUE(limiter.allow_account("bob", false).allowed);
    limiter.record_success("jane");
    EXPECT_TRUE(limiter.allow_account("jane", false).allowed);
    limiter.record_failure("jane");
    EXPECT_TRUE(limiter.allow_account("jane", false).allowed);  // the count started over
}

TEST(auth_login_limiter, known_device_is_not_held_back) {
    manual_clock clock;
    login_limiter limiter(clock);
    for (int i = 0; i < 30; ++i) limiter.record_failure("owner");  // someone is guessing
    auto stranger = limiter.allow_account("owner", false);
    EXPECT_FALSE(stranger.allowed);
    EXPECT_EQ(stranger.retry_after, 15min);
    EXPECT_TRUE(limiter.allow_account("owner", true).allowed);
}

TEST(auth_login_limiter, no_hard_lock_out) {
    manual_clock clock;
    login_limiter limiter(clock);
    for (int i = 0; i < 1000; ++i) limiter.record_failure("owner");
    clock.advance(15min);
    EXPECT_TRUE(limiter.allow_account("owner", false).allowed);
}

TEST(auth_login_limiter, failures_are_forgotten_after_a_quiet_day) {
    manual_clock clock;
    login_limiter limiter(clock);
    for (int i = 0; i < 10; ++i) limiter.record_failure("jane");
    clock.advance(24h);
    EXPECT_TRUE(limiter.allow_account("jane", false).allowed);
    limiter.record_failure("jane");
    EXPECT_TRUE(limiter.allow_account("jane", false).allowed);  // counting from one again
}

TEST(auth_login_limiter, unknown_accounts_are_treated_like_real_ones) {
    manual_clock clock;
    login_limiter limiter(clock);
    for (int i = 0; i < 5; ++i) limiter.record_failure("no-such-user");
    EXPECT_EQ(limiter.allow_account("no-such-user", false).retry_after, 2s);
}

TEST(auth_login_limiter, memory_is_bounded) {
    manual_clock clock;
    auto config = small();
    config.max_addresses = 100;
    config.max_accounts = 50;
    login_limiter limiter(clock, config);
    for (int i = 0; i < 10'000; ++i) {
        std::string ip = "10." + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." +
                         std::to_string(i % 256);
        limiter.allow_address(limit_kind::sign_in, ip);
        limiter.record_failure("user" + std::to_string(i));
    }
    EXPECT_EQ(limiter.tracked_addresses(), 100u);
    EXPECT_EQ(limiter.tracked_accounts(), 50u);
}

TEST(auth_login_limiter, busy_client_keeps_its_entry_under_eviction_pressure) {
    manual_clock clock;
    auto config = small();
    config.max_addresses = 10;
    login_limiter limiter(clock, config);
    for (int i = 0; i < 3; ++i) limiter.allow_address(limit_kind::sign_in, "203.0.113.7");
    for (int i = 0; i < 50; ++i) {
        limiter.allow_address(limit_kind::sign_in, "10.0.0." + std::to_string(i));
        // The attacker keeps knocking, so it stays among the most recently used.
        EXPECT_FALSE(limiter.allow_address(limit_kind::sign_in, "203.0.113.7").allowed) << i;
    }
}

}  // namespace
}  // namespace printgate::auth
