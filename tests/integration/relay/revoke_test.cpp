// `printgate-relay device revoke NAME`, run as a separate process while the relay serves,
// closes the device's live tunnel at once, and the device cannot come back.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "pairing_fixture.hpp"
#include "printgate/tunnel/connector.hpp"
#include "printgate/tunnel/pairing.hpp"

namespace printgate::testing {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

TEST(revoke, closes_the_live_tunnel_and_keeps_the_device_out) {
    temp_dir dir;
    relay_process relay(dir / "relay-state");
    relay.start();
    auto paired = tunnel::pair_with_relay_blocking(relay.add_device("printer1"), dir / "edge");
    ASSERT_TRUE(paired) << paired.message();

    net::io_context io;
    tunnel::connector_options options;
    options.state_dir = dir / "edge";
    options.policy = {20ms, 100ms, 60s};
    int downs = 0;
    options.on_state = [&](bool up) { downs += up ? 0 : 1; };
    auto connector = tunnel::connector::create(io.get_executor(), options);
    net::co_spawn(io, connector->run(), net::detached);
    ASSERT_TRUE(run_until(io, [&] { return connector->connected(); })) << relay.log();

    auto revoked = relay.cli({"device", "revoke", "printer1"});
    ASSERT_EQ(revoked.status, 0) << revoked.err;
    // The relay notices within its poll interval (1 s); 30 s is the failure bound.
    ASSERT_TRUE(run_until(io, [&] { return downs == 1; })) << relay.log();
    EXPECT_FALSE(connector->connected());

    // It keeps trying (it never gives up) and is refused every time.
    auto attempts = connector->attempts();
    ASSERT_TRUE(run_until(io, [&] { return connector->attempts() >= attempts + 3; })) << relay.log();
    EXPECT_EQ(connector->tunnels_established(), 1u);
    EXPECT_FALSE(connector->connected());

    auto listed = relay.cli({"device", "list"});
    EXPECT_NE(listed.out.find("revoked"), std::string::npos) << listed.out;
    connector->stop();
    run_until(io, [] { return false; }, 100ms);
}

}  // namespace
}  // namespace printgate::testing
