// The gate seam and the gate in place until sign-in exists: loopback peers in demo mode
// only; everyone else gets a clear 403.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "gate.hpp"

namespace {

namespace net = boost::asio;
using namespace printgate::relay;

gate_decision run_check(gate& g, const char* address) {
    net::io_context io;
    const header_field fields[] = {{"Cookie", "a=b"}, {"user-agent", "test"}};
    request_view view;
    view.method = "GET";
    view.target = "/";
    view.host = "printer1.localhost";
    view.device = "printer1";
    view.headers = fields;
    peer_info peer;
    peer.address = net::ip::make_address(address);
    auto future = net::co_spawn(io, g.check(view, peer), net::use_future);
    io.run();
    return future.get();
}

TEST(gate, demo_gate_admits_loopback_peers_as_demo) {
    loopback_demo_gate g(true);
    for (const char* address : {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}) {
        auto d = run_check(g, address);
        EXPECT_TRUE(d.admitted) << address;
        EXPECT_EQ(d.user, "demo");
    }
}

TEST(gate, demo_gate_refuses_everyone_else_with_a_clear_403) {
    loopback_demo_gate g(true);
    for (const char* address : {"203.0.113.7", "10.0.0.2", "2001:db8::1", "::ffff:203.0.113.7"}) {
        auto d = run_check(g, address);
        EXPECT_FALSE(d.admitted) << address;
        EXPECT_EQ(d.refusal.status, 403U);
        EXPECT_NE(d.refusal.body.find("Sign-in not configured"), std::string::npos);
        EXPECT_TRUE(d.user.empty());
    }
}

TEST(gate, without_demo_even_loopback_is_refused) {
    loopback_demo_gate g(false);
    auto d = run_check(g, "127.0.0.1");
    EXPECT_FALSE(d.admitted);
    EXPECT_EQ(d.refusal.status, 403U);
}

TEST(gate, request_view_finds_headers_case_insensitively) {
    const header_field fields[] = {{"Cookie", "a=b"}, {"Origin", "https://x"}};
    request_view view;
    view.headers = fields;
    ASSERT_TRUE(view.header("cookie"));
    EXPECT_EQ(*view.header("COOKIE"), "a=b");
    EXPECT_FALSE(view.header("Authorization"));
}

}  // namespace
