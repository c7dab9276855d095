#include "printgate/relay/config.hpp"

#include <gtest/gtest.h>

namespace printgate::relay {
namespace {

TEST(relay_config, empty_file_gives_the_documented_defaults) {
    auto c = parse_config("");
    ASSERT_TRUE(c) << c.message();
    EXPECT_EQ(c->state_dir, "/var/lib/printgate/relay");
    EXPECT_EQ(to_string(c->tunnel_listen), "0.0.0.0:7443");
    EXPECT_EQ(to_string(c->https_listen), "0.0.0.0:443");
    EXPECT_EQ(c->zone, "localhost");
    EXPECT_FALSE(c->demo);
}

TEST(relay_config, every_key_is_read) {
    auto c = parse_config(R"(
state_dir = "/srv/relay"
zone = "print.example.com"
log_level = "debug"
[tunnel]
listen = "[::]:8443"
public_address = "relay.example.com:443"
[https]
listen = "0.0.0.0:8444"
certificate = "/etc/printgate/https.pem"
key = "/etc/printgate/https.key"
)");
    ASSERT_TRUE(c) << c.message();
    EXPECT_EQ(c->state_dir, "/srv/relay");
    EXPECT_EQ(c->zone, "print.example.com");
    EXPECT_EQ(c->log_level, "debug");
    EXPECT_EQ(c->tunnel_listen.host, "::");
    EXPECT_EQ(c->tunnel_listen.port, 8443);
    EXPECT_EQ(c->tunnel_public.host, "relay.example.com");
    EXPECT_EQ(c->tunnel_public.port, 443);
    EXPECT_EQ(c->https_listen.port, 8444);
    EXPECT_EQ(c->https_certificate, "/etc/printgate/https.pem");
}

TEST(relay_config, mistakes_name_the_key) {
    struct bad_case {
        const char* text;
        const char* says;
    };
    for (auto [text, says] : {bad_case{"zonee = \"x\"", "zonee"}, bad_case{"zone = 3", "zone"},
                              bad_case{"[tunnel]\nlisten = \"nope\"", "tunnel.listen"},
                              bad_case{"[tunnel]\nlisten = \"1.2.3.4:99999\"", "tunnel.listen"},
                              bad_case{"[https]\ncertificate = \"/a\"", "https.key"},
                              bad_case{"[https]\nport = 1", "https.port"}, bad_case{"zone = \"\"", "zone"},
                              bad_case{"zone = [", "line"}}) {
        auto c = parse_config(text);
        ASSERT_FALSE(c) << text;
        EXPECT_NE(c.message().find(says), std::string::npos) << text << " -> " << c.message();
    }
}

TEST(relay_config, login_costs_and_limits_default_to_auths_and_can_be_set) {
    auto defaults = parse_config("");
    ASSERT_TRUE(defaults) << defaults.message();
    EXPECT_EQ(defaults->argon2.memory_kib, auth::argon2_params{}.memory_kib);
    EXPECT_EQ(defaults->limits.sign_in.burst, auth::login_limiter_config{}.sign_in.burst);
    EXPECT_EQ(defaults->sessions.idle_timeout, auth::session_config{}.idle_timeout);

    auto c = parse_config(R"(
[login]
argon2_memory_mib = 19
argon2_iterations = 2
argon2_parallelism = 2
hash_workers = 4
hash_queue = 32
sign_in_burst = 3
sign_in_refill_seconds = 20
second_factor_burst = 4
second_factor_refill_seconds = 15
pairing_burst = 2
pairing_refill_seconds = 120
free_failures = 1
first_delay_seconds = 2
max_delay_seconds = 600
forget_after_hours = 6
[sessions]
idle_timeout_minutes = 10
absolute_timeout_hours = 8
)");
    ASSERT_TRUE(c) << c.message();
    using namespace std::chrono;
    EXPECT_EQ(c->argon2.memory_kib, 19u * 1024);
    EXPECT_EQ(c->argon2.iterations, 2u);
    EXPECT_EQ(c->argon2.parallelism, 2u);
    EXPECT_EQ(c->hashing.max_running, 4u);
    EXPECT_EQ(c->hashing.max_waiting, 32u);
    EXPECT_EQ(c->limits.sign_in.burst, 3u);
    EXPECT_EQ(c->limits.sign_in.refill, seconds(20));
    EXPECT_EQ(c->limits.second_factor.burst, 4u);
    EXPECT_EQ(c->limits.second_factor.refill, seconds(15));
    EXPECT_EQ(c->limits.pairing.burst, 2u);
    EXPECT_EQ(c->limits.pairing.refill, seconds(120));
    EXPECT_EQ(c->limits.free_failures, 1u);
    EXPECT_EQ(c->limits.first_delay, seconds(2));
    EXPECT_EQ(c->limits.max_delay, seconds(600));
    EXPECT_EQ(c->limits.forget_after, hours(6));
    EXPECT_EQ(c->sessions.idle_timeout, minutes(10));
    EXPECT_EQ(c->sessions.absolute_timeout, hours(8));
    // Keys not named keep their defaults.
    EXPECT_EQ(c->sessions.second_factor_timeout, auth::session_config{}.second_factor_timeout);
}

TEST(relay_config, login_values_out_of_range_are_refused_by_name) {
    struct bad_case {
        const char* text;
        const char* says;
    };
    for (auto [text, says] : {bad_case{"[login]\nargon2_memory_mib = 1", "login.argon2_memory_mib"},
                              bad_case{"[login]\nargon2_iterations = 0", "login.argon2_iterations"},
                              bad_case{"[login]\nargon2_iterations = 2.5", "login.argon2_iterations"},
                              bad_case{"[login]\nhash_workers = \"2\"", "login.hash_workers"},
                              bad_case{"[login]\nsign_in_burst = -1", "login.sign_in_burst"},
                              bad_case{"[login]\npairing_refill_seconds = 0", "login.pairing_refill_seconds"},
                              bad_case{"[login]\nfirst_delay_seconds = 60\nmax_delay_seconds = 10",
                                       "login.max_delay_seconds"},
                              bad_case{"[login]\nargon2_memory = 64", "login.argon2_memory"},
                              bad_case{"login = 3", "[login]"},
                              bad_case{"[sessions]\nidle_timeout_minutes = 0", "sessions.idle_timeout_minutes"},
                              bad_case{"[sessions]\nidle_timeout_minutes = 600\nabsolute_timeout_hours = 1",
                                       "sessions.absolute_timeout_hours"},
                              bad_case{"[sessions]\nidle = 1", "sessions.idle"}}) {
        auto c = parse_config(text);
        ASSERT_FALSE(c) << text;
        EXPECT_NE(c.message().find(says), std::string::npos) << text << " -> " << c.message();
    }
}

TEST(relay_config, a_file_over_the_demo_settings_changes_only_what_it_names) {
    auto c = parse_config("[login]\nsign_in_burst = 2\n[https]\nlisten = \"127.0.0.1:8443\"\n", demo_config());
    ASSERT_TRUE(c) << c.message();
    EXPECT_EQ(to_string(c->tunnel_listen), "127.0.0.1:0");  // still chosen by the OS
    EXPECT_EQ(to_string(c->https_listen), "127.0.0.1:8443");
    EXPECT_EQ(c->limits.sign_in.burst, 2u);
    EXPECT_TRUE(c->demo);
}

TEST(relay_config, demo_listens_on_loopback_ports_chosen_by_the_os) {
    auto c = demo_config();
    EXPECT_TRUE(c.demo);
    EXPECT_EQ(to_string(c.tunnel_listen), "127.0.0.1:0");
    EXPECT_EQ(to_string(c.https_listen), "127.0.0.1:0");
    EXPECT_EQ(c.zone, "localhost");
}

}  // namespace
}  // namespace printgate::relay
