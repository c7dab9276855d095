// The relay is killed (SIGKILL, no goodbye) and started again on the same port with the same
// state: the edge's connector, which never gives up, is back on its own.
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

TEST(reconnect, edge_comes_back_after_the_relay_restarts) {
    temp_dir dir;
    relay_process relay(dir / "relay-state");
    relay.start();
    auto paired = tunnel::pair_with_relay_blocking(relay.add_device("printer1"), dir / "edge");
    ASSERT_TRUE(paired) << paired.message();
    auto port = relay.tunnel_port();

    net::io_context io;
    tunnel::connector_options options;
    options.state_dir = dir / "edge";
    options.policy = {20ms, 200ms, 60s};  // short backoff for the test
    options.session.ping_interval = 200ms;
    options.session.dead_after = 2s;
    auto connector = tunnel::connector::create(io.get_executor(), options);
    net::co_spawn(io, connector->run(), net::detached);
    ASSERT_TRUE(run_until(io, [&] { return connector->connected(); })) << relay.log();
    EXPECT_EQ(connector->tunnels_established(), 1u);

    relay.kill();
    ASSERT_TRUE(run_until(io, [&] { return !connector->connected(); }));
    // While the relay is down the connector keeps failing and retrying.
    auto attempts = connector->attempts();
    ASSERT_TRUE(run_until(io, [&] { return connector->attempts() >= attempts + 2; }));

    relay.start("[tunnel]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n");
    ASSERT_EQ(relay.tunnel_port(), port);
    ASSERT_TRUE(run_until(io, [&] { return connector->tunnels_established() == 2 && connector->connected(); }))
        << relay.log();
    connector->stop();
    run_until(io, [] { return false; }, 100ms);
}

}  // namespace
}  // namespace printgate::testing
