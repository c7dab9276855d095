// The relay's request-head rules as pure functions: Host validation and routing, the
// fields dropped and set on the way to a device, WebSocket frame boundaries, and the pages
// the relay answers with itself.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "http_head.hpp"
#include "http_host.hpp"
#include "offline_page.hpp"
#include "proxy_websocket_frames.hpp"

namespace {

using namespace printgate::relay;

TEST(http_host, accepts_dns_names_and_lowercases_them) {
    auto h = parse_host("Printer1.LocalHost:8443");
    ASSERT_TRUE(h);
    EXPECT_EQ(h->name, "printer1.localhost");
    ASSERT_TRUE(h->port);
    EXPECT_EQ(*h->port, 8443);
    EXPECT_FALSE(h->ip_literal);

    auto dotted = parse_host("printer1.print.example.com.");
    ASSERT_TRUE(dotted);
    EXPECT_EQ(dotted->name, "printer1.print.example.com");
    EXPECT_FALSE(dotted->port);
}

TEST(http_host, refuses_what_is_not_a_host_name) {
    for (const char* bad : {"", ":443", "printer_1.localhost", "-printer.localhost",
                            "printer-.localhost", "a..localhost", "printer1.localhost:",
                            "printer1.localhost:0", "printer1.localhost:65536", "printer1.localhost:8x",
                            "printer1.localhost:443:1", "print er.localhost", "printer1.localhost/x",
                            "user@printer1.localhost", "[::1", "[zz]", "[::1]x", "é.localhost"}) {
        EXPECT_FALSE(parse_host(bad)) << bad;
    }
    const std::string label63(63, 'a'), label64(64, 'a');
    EXPECT_TRUE(parse_host(label63 + ".localhost"));
    EXPECT_FALSE(parse_host(label64 + ".localhost"));
    std::string long_name;
    while (long_name.size() < 260) long_name += "abcdefghi.";
    EXPECT_FALSE(parse_host(long_name + "localhost"));
}

TEST(http_host, ip_literals_are_hosts_but_never_route) {
    auto v4 = parse_host("127.0.0.1:8443");
    ASSERT_TRUE(v4);
    EXPECT_TRUE(v4->ip_literal);
    auto v6 = parse_host("[::1]:8443");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->ip_literal);
    EXPECT_EQ(route_host(*v4, "localhost").kind, route_kind::foreign);
    EXPECT_EQ(route_host(*v6, "localhost").kind, route_kind::foreign);
}

TEST(http_host, routes_apex_device_nested_and_foreign) {
    auto route = [](const char* host) { return route_host(*parse_host(host), "print.example.com"); };
    EXPECT_EQ(route("print.example.com").kind, route_kind::apex);
    EXPECT_EQ(route("PRINT.example.com:443").kind, route_kind::apex);
    auto device = route("printer1.print.example.com");
    EXPECT_EQ(device.kind, route_kind::device);
    EXPECT_EQ(device.device, "printer1");
    EXPECT_EQ(route("a.printer1.print.example.com").kind, route_kind::nested);
    EXPECT_EQ(route("example.com").kind, route_kind::foreign);
    EXPECT_EQ(route("evilprint.example.com").kind, route_kind::foreign);
    EXPECT_EQ(route("printer1.print.example.com.evil.net").kind, route_kind::foreign);
}

head_analysis analyze(const std::string& head) {
    return analyze_request_head(head, 16 * 1024, {"203.0.113.7", "printer1.localhost:8443", "alice"});
}

TEST(http_head, the_relay_credentials_never_reach_the_device) {
    auto a = analyze(
        "GET /api/job HTTP/1.1\r\n"
        "Host: printer1.localhost:8443\r\n"
        "Cookie: theme=dark; __Host-printgate=session-id; __Host-printgate-device=device-id; lang=en\r\n"
        "X-Api-Key: pgk_abcdefgh.secret\r\n"
        "\r\n");
    ASSERT_TRUE(a.parsed && a.check.ok());
    EXPECT_EQ(a.upstream["Cookie"], "theme=dark; lang=en");
    EXPECT_EQ(a.upstream.count("X-Api-Key"), 0U);
    auto only_ours = analyze(
        "GET / HTTP/1.1\r\nHost: printer1.localhost:8443\r\nCookie: __Host-printgate=session-id\r\n\r\n");
    EXPECT_EQ(only_ours.upstream.count("Cookie"), 0U);
}

TEST(http_head, strips_identity_and_hop_by_hop_fields_and_sets_its_own) {
    auto a = analyze(
        "POST /api/job HTTP/1.1\r\n"
        "Host: Printer1.localhost:8443\r\n"
        "X-Forwarded-For: 10.0.0.1\r\n"
        "x-forwarded-proto: http\r\n"
        "X-FORWARDED-HOST: evil\r\n"
        "Forwarded: for=10.0.0.1\r\n"
        "X-Real-IP: 10.0.0.1\r\n"
        "X-Printgate-User: admin\r\n"
        "x-printgate-anything: 1\r\n"
        "Connection: keep-alive, X-Secret\r\n"
        "X-Secret: hop\r\n"
        "Keep-Alive: timeout=5\r\n"
        "Proxy-Authorization: Basic Zm9v\r\n"
        "TE: trailers\r\n"
        "Upgrade: h2c\r\n"
        "Cookie: a=b\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 2\r\n"
        "\r\n");
    ASSERT_TRUE(a.parsed);
    ASSERT_TRUE(a.check.ok()) << a.check.message;
    EXPECT_FALSE(a.check.websocket_upgrade);
    std::vector<std::string> lines;
    for (const auto& f : a.upstream)
        lines.push_back(std::string(f.name_string()) + ": " + std::string(f.value()));
    const std::vector<std::string> expected = {
        "Cookie: a=b",
        "Content-Type: application/json",
        "Host: printer1.localhost:8443",
        "X-Forwarded-For: 203.0.113.7",
        "X-Forwarded-Proto: https",
        "X-Forwarded-Host: printer1.localhost:8443",
        "X-Printgate-User: alice",
    };
    EXPECT_EQ(lines, expected);
}

TEST(http_head, visible_fields_hide_identity_headers_from_the_gate) {
    http::fields f;
    f.insert("X-Printgate-User", "admin");
    f.insert("Cookie", "a=b");
    f.insert("forwarded", "for=x");
    auto v = visible_fields(f);
    ASSERT_EQ(v.size(), 1U);
    EXPECT_EQ(v[0].name, "Cookie");
}

TEST(http_head, recognises_a_websocket_upgrade_and_keeps_its_fields) {
    auto a = analyze(
        "GET /ws HTTP/1.1\r\nHost: printer1.localhost\r\nConnection: keep-alive, Upgrade\r\n"
        "Upgrade: WebSocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n");
    ASSERT_TRUE(a.parsed);
    ASSERT_TRUE(a.check.ok());
    EXPECT_TRUE(a.check.websocket_upgrade);
    EXPECT_EQ(a.upstream[http::field::connection], "Upgrade");
    EXPECT_EQ(a.upstream[http::field::upgrade], "websocket");
    EXPECT_EQ(a.upstream[http::field::sec_websocket_key], "dGhlIHNhbXBsZSBub25jZQ==");
}

TEST(http_head, refuses_bad_heads_with_a_status) {
    struct bad_case {
        const char* head;
        unsigned status;
    };
    const bad_case cases[] = {
        {"GET / HTTP/1.1\r\n\r\n", 400},                                           // no Host
        {"GET / HTTP/1.1\r\nHost: a.localhost\r\nHost: b.localhost\r\n\r\n", 400},  // two
        {"GET / HTTP/1.1\r\nHost: bad_name.localhost\r\n\r\n", 400},
        {"GET http://printer1.localhost/ HTTP/1.1\r\nHost: printer1.localhost\r\n\r\n", 400},
        {"CONNECT printer1.localhost:443 HTTP/1.1\r\nHost: printer1.localhost\r\n\r\n", 405},
        {"TRACE / HTTP/1.1\r\nHost: printer1.localhost\r\n\r\n", 405},
    };
    for (const auto& c : cases) {
        auto a = analyze(c.head);
        ASSERT_TRUE(a.parsed) << c.head;
        EXPECT_EQ(a.check.status, c.status) << c.head;
        EXPECT_FALSE(a.check.message.empty());
    }
    // The parser itself refuses these: never a check, never a forward.
    for (const char* garbage : {"GET / HTTP/1.1\r\nHost printer1\r\n\r\n", "\x01\x02\x03\r\n\r\n",
                                "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
        EXPECT_FALSE(analyze(garbage).parsed) << garbage;
    }
    EXPECT_FALSE(analyze_request_head("GET / HTTP/1.1\r\nHost: printer1.localhost\r\nX: " +
                                          std::string(20000, 'a') + "\r\n\r\n",
                                      16 * 1024, {}).parsed);
}

TEST(http_head, has_token_reads_comma_lists) {
    EXPECT_TRUE(has_token("keep-alive, Upgrade", "upgrade"));
    EXPECT_TRUE(has_token(" close ", "close"));
    EXPECT_FALSE(has_token("keep-alive, upgrades", "upgrade"));
    EXPECT_FALSE(has_token("", "close"));
}

TEST(http_head, response_fields_lose_hop_by_hop) {
    http::fields in;
    in.insert("Connection", "close, X-Internal");
    in.insert("X-Internal", "1");
    in.insert("Transfer-Encoding", "chunked");
    in.insert("Content-Type", "text/plain");
    http::fields out;
    make_downstream_fields(in, out, false);
    EXPECT_EQ(out.count("X-Internal"), 0U);
    EXPECT_EQ(out.count(http::field::transfer_encoding), 0U);
    EXPECT_EQ(out.count(http::field::connection), 0U);
    EXPECT_EQ(out[http::field::content_type], "text/plain");
}

TEST(downstream_fields, every_device_answer_gets_hsts_nosniff_and_no_framing) {
    http::fields in;
    in.insert(http::field::strict_transport_security, "max-age=0");
    in.insert("Content-Security-Policy", "default-src 'self'");
    http::fields out;
    make_downstream_fields(in, out, false);
    EXPECT_EQ(out[http::field::strict_transport_security], "max-age=31536000; includeSubDomains");
    EXPECT_EQ(out.count(http::field::strict_transport_security), 1U);
    EXPECT_EQ(out["X-Content-Type-Options"], "nosniff");
    // The device's policy stays, and the relay's own forbids framing besides.
    std::vector<std::string> policies;
    for (const auto& f : out)
        if (f.name_string() == "Content-Security-Policy") policies.emplace_back(f.value());
    EXPECT_EQ(policies, (std::vector<std::string>{"default-src 'self'", "frame-ancestors 'none'"}));
}

TEST(websocket_frames, follows_boundaries_across_arbitrary_splits) {
    // Three server frames: a 5-byte text, a 300-byte binary (16-bit length), a 70000-byte
    // binary (64-bit length).
    std::vector<std::uint8_t> bytes = {0x81, 5, 'h', 'e', 'l', 'l', 'o'};
    const std::size_t first_end = bytes.size();
    bytes.insert(bytes.end(), {0x82, 126, 0x01, 0x2c});
    bytes.resize(bytes.size() + 300, 0xab);
    const std::size_t second_end = bytes.size();
    bytes.insert(bytes.end(), {0x82, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70});
    bytes.resize(bytes.size() + 70000, 0xcd);

    for (std::size_t step : {1UL, 2UL, 3UL, 7UL, 4096UL, bytes.size()}) {
        websocket_frame_tracker t;
        EXPECT_TRUE(t.at_boundary());
        for (std::size_t at = 0; at < bytes.size(); at += step) {
            const auto n = std::min(step, bytes.size() - at);
            t.consume({bytes.data() + at, n});
            const auto end = at + n;
            const bool boundary = end == first_end || end == second_end || end == bytes.size();
            EXPECT_EQ(t.at_boundary(), boundary) << "step " << step << " at " << end;
        }
        EXPECT_EQ(t.frames(), 3U);
    }
    websocket_frame_tracker masked;
    const std::uint8_t frame[] = {0x89, 0x82, 1, 2, 3, 4, 'h', 'i'};
    masked.consume({frame, 7});
    EXPECT_FALSE(masked.at_boundary());
    masked.consume({frame + 7, 1});
    EXPECT_TRUE(masked.at_boundary());
}

TEST(offline_page, says_since_when_and_how_long) {
    using namespace std::chrono;
    const system_clock::time_point last_seen{seconds(1'700'000'000)};  // 2023-11-14 22:13:20
    auto reply = offline_reply("printer1", {true, false, last_seen}, last_seen + minutes(5),
                               seconds(30));
    EXPECT_EQ(reply.status, 503U);
    EXPECT_NE(reply.body.find("printer1 is offline since 2023-11-14 22:13 UTC (5 minutes ago)"),
              std::string::npos)
        << reply.body;
    bool retry = false;
    for (const auto& [k, v] : reply.headers)
        if (k == "Retry-After" && v == "30") retry = true;
    EXPECT_TRUE(retry);

    auto never = offline_reply("printer2", {true, false, {}}, last_seen);
    EXPECT_EQ(never.status, 503U);
    EXPECT_NE(never.body.find("has not connected"), std::string::npos);

    auto unknown = offline_reply("<script>", {false, false, {}}, last_seen);
    EXPECT_EQ(unknown.status, 404U);
    EXPECT_EQ(unknown.body.find("<script>"), std::string::npos);
    EXPECT_NE(unknown.body.find("&lt;script&gt;"), std::string::npos);

    EXPECT_EQ(offline_reply("printer1", {true, true, last_seen}, last_seen).status, 502U);
    EXPECT_EQ(format_age(hours(3)), "3 hours ago");
    EXPECT_EQ(format_age(seconds(10)), "just now");
    EXPECT_EQ(format_age(hours(24 * 9)), "9 days ago");
}

}  // namespace
