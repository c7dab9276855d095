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

TEST(relay_config, demo_listens_on_loopback_ports_chosen_by_the_os) {
    auto c = demo_config();
    EXPECT_TRUE(c.demo);
    EXPECT_EQ(to_string(c.tunnel_listen), "127.0.0.1:0");
    EXPECT_EQ(to_string(c.https_listen), "127.0.0.1:0");
    EXPECT_EQ(c.zone, "localhost");
}

}  // namespace
}  // namespace printgate::relay
