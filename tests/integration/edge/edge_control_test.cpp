// Status and events on the tunnel's control stream, with the real binaries: printgate-relay
// (--demo), `printgate-edge pair`, then `printgate-edge run --demo` with the real simulator.
// The relay keeps the device's latest status and logs its printer's state changes and its
// events; a print started on the edge shows up there.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "../relay/pairing_fixture.hpp"
#include "edge_harness.hpp"

namespace edge_test {
namespace {

using printgate::testing::relay_process;

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

TEST(edge_control, status_and_events_reach_the_relay_over_the_control_stream) {
    temp_dir dir;
    relay_process relay(dir / "relay");
    relay.start();
    const auto code = relay.add_device("printer1");
    ASSERT_FALSE(code.empty()) << relay.log();

    const auto state = dir / "edge";
    child_process pair({PRINTGATE_EDGE_BIN, "pair", code, "--state-dir", state.string()}, dir / "pair.out",
                       dir / "pair.err");
    auto paired = pair.wait(std::chrono::seconds(60));
    ASSERT_TRUE(paired && *paired == 0) << pair.err();

    auto args = demo_args(dir, state);
    args.push_back("--tunnel-backoff-max-ms");
    args.push_back("500");
    edge_process edge(dir, args);
    ASSERT_TRUE(edge.ready()) << edge.log();
    ASSERT_TRUE(wait_until([&] { return has(edge.log(), "is up"); }, patience)) << edge.log() << relay.log();

    // The first status the edge sends on the new stream, then the printer coming up.
    ASSERT_TRUE(wait_until([&] { return has(relay.log(), "printer is operational"); }, patience))
        << relay.log() << "\n" << edge.log();

    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "small.gcode", gcode_job(40)).status, 201);
    auto started = request(edge.port(), "POST", "/api/v1/command",
                           R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"small.gcode"}})");
    ASSERT_EQ(started.status, 200) << started.body;
    EXPECT_TRUE(wait_until([&] { return has(relay.log(), "control: event print_started from device"); }, patience))
        << relay.log();
    EXPECT_TRUE(wait_until([&] { return has(relay.log(), "printer is printing"); }, patience)) << relay.log();
    EXPECT_TRUE(wait_until([&] { return has(relay.log(), "control: event print_done from device"); }, patience))
        << relay.log();
    // Terminal lines stay on the edge; file paths and G-code are not in the relay's log.
    EXPECT_FALSE(has(relay.log(), "G1 X")) << relay.log();

    EXPECT_EQ(edge.process().stop(), 0) << edge.log();
}

}  // namespace
}  // namespace edge_test
