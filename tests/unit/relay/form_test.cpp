// The small parsers of the sign-in pages: forms and query strings, the way back to a
// printer (no open redirect), the relay's cookies kept from devices, the same-origin rule.
#include <gtest/gtest.h>

#include "cookie_filter.hpp"
#include "fetch_guard.hpp"
#include "form.hpp"
#include "return_target.hpp"

namespace {

using namespace printgate::relay;

TEST(relay_form, decodes_plus_and_percent_escapes) {
    auto r = parse_form("name=jane+doe&password=a%26b%3Dc%25&empty=&flag");
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.fields.value("name"), "jane doe");
    EXPECT_EQ(r.fields.value("password"), "a&b=c%");
    ASSERT_TRUE(r.fields.get("empty"));
    EXPECT_EQ(*r.fields.get("empty"), "");
    ASSERT_TRUE(r.fields.get("flag"));
    EXPECT_FALSE(r.fields.get("missing"));
    EXPECT_EQ(r.fields.value("missing"), "");
}

TEST(relay_form, keeps_every_value_of_a_repeated_name_in_order) {
    auto r = parse_form("scope=read&&scope=upload&x=1&scope=control");
    ASSERT_TRUE(r.ok);
    auto all = r.fields.all("scope");
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all[0], "read");
    EXPECT_EQ(all[2], "control");
    EXPECT_EQ(r.fields.value("scope"), "read");
}

TEST(relay_form, refuses_bad_escapes_nul_and_oversize_input) {
    EXPECT_FALSE(parse_form("a=%").ok);
    EXPECT_FALSE(parse_form("a=%4").ok);
    EXPECT_FALSE(parse_form("a=%zz").ok);
    EXPECT_FALSE(parse_form("a=%00").ok);
    form_limits small;
    small.max_value_bytes = 4;
    small.max_fields = 2;
    small.max_name_bytes = 3;
    small.max_bytes = 20;
    EXPECT_TRUE(parse_form("a=1234", small).ok);
    EXPECT_FALSE(parse_form("a=12345", small).ok);
    EXPECT_FALSE(parse_form("abcd=1", small).ok);
    EXPECT_FALSE(parse_form("a=1&b=2&c=3", small).ok);
    EXPECT_FALSE(parse_form(std::string(21, 'a'), small).ok);
}

TEST(relay_form, url_encode_reads_back_exactly) {
    const std::string text = "/files?a=1&b=é x+y%/";
    auto r = parse_form("v=" + url_encode(text));
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.fields.value("v"), text);
    EXPECT_EQ(url_encode("aZ09-._~"), "aZ09-._~");
}

TEST(relay_form, query_and_path_of_a_target) {
    EXPECT_EQ(query_of("/signin?device=p1&path=%2F"), "device=p1&path=%2F");
    EXPECT_EQ(query_of("/signin"), "");
    EXPECT_EQ(path_of("/signin?x"), "/signin");
}

TEST(relay_return_target, only_plain_paths_on_a_valid_device_name) {
    auto ok = parse_return_target("printer1", "/files?sort=name");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->device, "printer1");
    EXPECT_EQ(ok->path, "/files?sort=name");
    EXPECT_FALSE(parse_return_target("printer1", "//evil.example/"));
    EXPECT_FALSE(parse_return_target("printer1", "/\\evil.example/"));
    EXPECT_FALSE(parse_return_target("printer1", "https://evil.example/"));
    EXPECT_FALSE(parse_return_target("printer1", ""));
    EXPECT_FALSE(parse_return_target("printer1", "/a b"));
    EXPECT_FALSE(parse_return_target("printer1", "/a\r\nSet-Cookie:x"));
    EXPECT_FALSE(parse_return_target("evil.example", "/"));
    EXPECT_FALSE(parse_return_target("", "/"));
    EXPECT_FALSE(parse_return_target("Printer1", "/"));
    EXPECT_FALSE(parse_return_target("printer1", "/" + std::string(max_return_path_bytes, 'a')));
}

TEST(relay_return_target, origins_leave_out_the_default_port) {
    EXPECT_EQ(device_origin("printer1", "localhost", 8443), "https://printer1.localhost:8443");
    EXPECT_EQ(device_origin("printer1", "print.example.com", 443), "https://printer1.print.example.com");
    EXPECT_EQ(apex_origin("localhost", std::nullopt), "https://localhost");
    EXPECT_EQ(origin_of_host("localhost:8443"), "https://localhost:8443");
    EXPECT_EQ(origin_of_host("example.com:443"), "https://example.com");
    EXPECT_EQ(port_of_host("localhost:8443"), 8443);
    EXPECT_EQ(return_query(return_target{"p1", "/a?b=c"}), "?device=p1&path=%2Fa%3Fb%3Dc");
    EXPECT_EQ(return_query(std::nullopt), "");
}

TEST(relay_cookie_filter, devices_never_see_the_relay_cookies) {
    EXPECT_EQ(without_relay_cookies("a=1; __Host-printgate=secret; b=2"), "a=1; b=2");
    EXPECT_EQ(without_relay_cookies("__Host-printgate-device=x;__HOST-PRINTGATE=y"), "");
    EXPECT_EQ(without_relay_cookies("__Host-printgatex=keep; ;c=3"), "__Host-printgatex=keep; c=3");
    EXPECT_TRUE(is_relay_cookie(" __host-printgate"));
    EXPECT_FALSE(is_relay_cookie("printgate"));
}

request_view unsafe(std::string_view method, const std::span<const header_field> fields) {
    request_view v;
    v.method = method;
    v.target = "/api/job";
    v.host = "printer1.localhost:8443";
    v.headers = fields;
    return v;
}

TEST(relay_fetch_guard, foreign_origins_and_cross_site_fetches_are_refused) {
    const std::string own = "https://printer1.localhost:8443";
    const header_field same[] = {{"Origin", "https://printer1.localhost:8443"}, {"Sec-Fetch-Site", "same-origin"}};
    EXPECT_FALSE(cross_origin_refusal(unsafe("POST", same), own));
    const header_field evil[] = {{"Origin", "https://evil.example"}};
    EXPECT_TRUE(cross_origin_refusal(unsafe("POST", evil), own));
    const header_field sibling[] = {{"Origin", "https://printer2.localhost:8443"}};
    EXPECT_TRUE(cross_origin_refusal(unsafe("DELETE", sibling), own));
    const header_field null_origin[] = {{"Origin", "null"}};
    EXPECT_TRUE(cross_origin_refusal(unsafe("POST", null_origin), own));
    const header_field cross[] = {{"Sec-Fetch-Site", "cross-site"}};
    EXPECT_TRUE(cross_origin_refusal(unsafe("POST", cross), own));
    const header_field same_site[] = {{"Sec-Fetch-Site", "same-site"}};
    EXPECT_TRUE(cross_origin_refusal(unsafe("PUT", same_site), own));
    // Safe methods pass whatever they say; a WebSocket upgrade does not.
    EXPECT_FALSE(cross_origin_refusal(unsafe("GET", evil), own));
    auto ws = unsafe("GET", evil);
    ws.websocket_upgrade = true;
    EXPECT_TRUE(cross_origin_refusal(ws, own));
    // Without any evidence: a slicer passes the gate (its API key still has to); the
    // relay's own forms insist.
    EXPECT_FALSE(cross_origin_refusal(unsafe("POST", {}), own));
    EXPECT_TRUE(cross_origin_refusal(unsafe("POST", {}), own, true));
}

}  // namespace
