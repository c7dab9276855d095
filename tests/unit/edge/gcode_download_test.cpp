#include "printgate/edge/gcode_download.hpp"

#include <gtest/gtest.h>

using namespace printgate::edge;
namespace ip = boost::asio::ip;

namespace {

bool internal(const char* a) { return is_internal_address(ip::make_address(a)); }

}  // namespace

TEST(download_url, https_with_defaults) {
    std::string why;
    auto u = parse_download_url("HTTPS://Files.Example.com/a/b/part.gcode?token=x#frag", false, why);
    ASSERT_TRUE(u) << why;
    EXPECT_EQ(u->scheme, "https");
    EXPECT_EQ(u->host, "files.example.com");
    EXPECT_EQ(u->port, "443");
    EXPECT_EQ(u->target, "/a/b/part.gcode?token=x");
    u = parse_download_url("https://[2001:db8::1]:8443", false, why);
    ASSERT_TRUE(u) << why;
    EXPECT_EQ(u->host, "2001:db8::1");
    EXPECT_EQ(u->port, "8443");
    EXPECT_EQ(u->target, "/");
}

TEST(download_url, http_only_when_allowed) {
    std::string why;
    EXPECT_FALSE(parse_download_url("http://example.com/a.gcode", false, why));
    EXPECT_NE(why.find("download.allow_http"), std::string::npos) << why;
    auto u = parse_download_url("http://example.com/a.gcode", true, why);
    ASSERT_TRUE(u) << why;
    EXPECT_EQ(u->port, "80");
}

TEST(download_url, malformed_urls_are_refused) {
    for (const char* bad : {"ftp://example.com/a.gcode", "example.com/a.gcode", "https:///a.gcode",
                            "https://user:pw@example.com/a.gcode", "https://example.com:0/a.gcode",
                            "https://example.com:99999/a.gcode", "https://example.com:8x/a.gcode",
                            "https://exa mple.com/a.gcode", "https://example.com/a b.gcode",
                            "https://[::1/a.gcode", "https://[zz::1]/a.gcode", "https://ex\"ample.com/"}) {
        std::string why;
        EXPECT_FALSE(parse_download_url(bad, true, why)) << bad;
        EXPECT_FALSE(why.empty()) << bad;
    }
    std::string why;
    EXPECT_FALSE(parse_download_url("https://example.com/" + std::string(3000, 'a'), false, why));
}

TEST(download_policy, internal_addresses) {
    for (const char* a : {"127.0.0.1", "127.255.0.9", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                          "192.168.1.10", "169.254.169.254", "100.64.0.1", "224.0.0.1", "255.255.255.255",
                          "::1", "::", "fe80::1", "fd00::1", "fc00::1", "ff02::1", "::ffff:192.168.1.1",
                          "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:c0a8:0101::1", "2001:db8::5"})
        EXPECT_TRUE(internal(a)) << a;
    for (const char* a : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2a00:1450:4001::1",
                          "::ffff:93.184.216.34", "64:ff9b::808:808"})
        EXPECT_FALSE(internal(a)) << a;
}
