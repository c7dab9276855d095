#include "printgate/tunnel/connector.hpp"

#include <gtest/gtest.h>

namespace printgate::tunnel {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

TEST(backoff, caps_double_from_one_second_to_a_minute) {
    // A random source of 0 gives 0 delays; ceiling() shows the cap each delay is drawn under.
    backoff b({1s, 60s, 60s}, [] { return std::uint64_t{0}; });
    std::vector<ms> caps;
    for (int i = 0; i < 9; ++i) {
        caps.push_back(b.ceiling());
        EXPECT_EQ(b.next(), 0ms);
    }
    EXPECT_EQ(caps, (std::vector<ms>{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s, 60s}));
}

TEST(backoff, full_jitter_spans_zero_to_the_cap) {
    std::uint64_t value = 0;
    backoff b({1s, 60s, 60s}, [&] { return value; });
    value = 1000;  // 1000 % 1001
    EXPECT_EQ(b.next(), 1000ms);
    value = 2001;  // cap 2 s: 2001 % 2001
    EXPECT_EQ(b.next(), 0ms);
    value = 4000;  // cap 4 s
    EXPECT_EQ(b.next(), 4000ms);
    value = ~std::uint64_t{0};
    for (int i = 0; i < 20; ++i) EXPECT_LE(b.next(), 60s);
}

TEST(backoff, resets_only_after_a_stable_tunnel) {
    manual_clock clock;
    backoff b({1s, 60s, 60s}, [] { return std::uint64_t{0}; });
    for (int i = 0; i < 5; ++i) b.next();
    EXPECT_EQ(b.ceiling(), 32s);
    auto up = clock.now();
    clock.advance(59s);
    b.tunnel_ended(up, clock.now());
    EXPECT_EQ(b.ceiling(), 32s);  // a flapping tunnel keeps backing off
    clock.advance(1s);
    b.tunnel_ended(up, clock.now());
    EXPECT_EQ(b.ceiling(), 1s);
}

TEST(backoff, honours_a_short_policy_for_tests) {
    backoff b({10ms, 40ms, 1s}, [] { return ~std::uint64_t{0}; });
    for (int i = 0; i < 10; ++i) EXPECT_LE(b.next(), 40ms);
    EXPECT_EQ(b.ceiling(), 40ms);
}

TEST(backoff, system_random_varies) {
    auto r = system_random();
    EXPECT_NE(r(), r());
}

}  // namespace
}  // namespace printgate::tunnel
