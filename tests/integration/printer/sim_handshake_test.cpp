// printgate-sim over a real pty: start-up, banner, M115 capabilities, reports, options.
#include <gmock/gmock.h>

#include <cstdio>

#include "sim_harness.hpp"

namespace sim_test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

int run_and_wait(std::vector<std::string> args) {
    temp_dir dir;
    args.insert(args.begin(), PRINTGATE_SIM_BIN);
    child_process p(args, dir / "out", dir / "err");
    return p.wait(patience).value_or(-1000);
}

TEST(sim_handshake, PrintsReadyLineAndBannerOnThePty) {
    sim_process sim({});
    ASSERT_TRUE(sim.ready()) << sim.process().err();
    EXPECT_EQ(sim.process().out(), "printgate-sim ready pty=" + sim.link().string() + "\n");
    ASSERT_TRUE(fs::is_symlink(sim.link()));
    EXPECT_THAT(fs::read_symlink(sim.link()).string(), HasSubstr("/dev/pts/"));

    auto port = sim.open();
    ASSERT_TRUE(port);
    EXPECT_EQ(port->read_line(), "start");
    EXPECT_EQ(port->read_line(), "echo:Marlin 2.1.2 (printgate-sim)");
    auto rest = port->read_until_prefix("echo:SD card ok");
    for (const auto& l : rest) EXPECT_TRUE(starts_with(l, "echo:")) << l;
}

TEST(sim_handshake, M115ReportsFirmwareAndDefaultCapabilities) {
    sim_process sim({});
    ASSERT_TRUE(sim.ready());
    auto port = sim.open();
    port->read_until_prefix("echo:SD card ok");
    port->send("M115\n");
    auto lines = port->read_until_prefix("ok");
    ASSERT_GE(lines.size(), 2u);
    const auto& id = lines.front();
    EXPECT_THAT(id, HasSubstr("FIRMWARE_NAME:Marlin 2.1.2 (printgate-sim)"));
    EXPECT_THAT(id, HasSubstr("SOURCE_CODE_URL:github.com/MarlinFirmware/Marlin"));
    EXPECT_THAT(id, HasSubstr("PROTOCOL_VERSION:1.0"));
    EXPECT_THAT(id, HasSubstr("MACHINE_TYPE:printgate-sim"));
    EXPECT_THAT(id, HasSubstr("EXTRUDER_COUNT:1"));
    EXPECT_THAT(id, HasSubstr("UUID:"));
    EXPECT_EQ(lines.back(), "ok");
    for (const char* cap : {"Cap:SERIAL_XON_XOFF:0",
                            "Cap:BINARY_FILE_TRANSFER:0",
                            "Cap:EEPROM:0",
                            "Cap:VOLUMETRIC:1",
                            "Cap:AUTOREPORT_POS:0",
                            "Cap:AUTOREPORT_TEMP:1",
                            "Cap:PROGRESS:0",
                            "Cap:PRINT_JOB:1",
                            "Cap:AUTOLEVEL:0",
                            "Cap:Z_PROBE:0",
                            "Cap:LEVELING_DATA:0",
                            "Cap:BUILD_PERCENT:0",
                            "Cap:SOFTWARE_POWER:0",
                            "Cap:TOGGLE_LIGHTS:0",
                            "Cap:CASE_LIGHT_BRIGHTNESS:0",
                            "Cap:EMERGENCY_PARSER:1",
                            "Cap:HOST_ACTION_COMMANDS:1",
                            "Cap:PROMPT_SUPPORT:0",
                            "Cap:SDCARD:1",
                            "Cap:AUTOREPORT_SD_STATUS:1",
                            "Cap:THERMAL_PROTECTION:1",
                            "Cap:MOTION_MODES:0",
                            "Cap:ARCS:1",
                            "Cap:ADVANCED_OK:0",
                            "Cap:CHAMBER_TEMPERATURE:0"})
        EXPECT_THAT(lines, Contains(std::string(cap)));
}

TEST(sim_handshake, CapabilitiesAndReportsFollowTheOptions) {
    sim_process sim(unpaced(
        {"--advanced-ok", "--no-autoreport", "--no-emergency-parser", "--extruders", "2", "--chamber"}));
    ASSERT_TRUE(sim.ready());
    auto port = sim.open();
    port->read_until_prefix("echo:SD card ok");
    port->send("M115\n");
    auto lines = port->read_until_prefix("ok");
    EXPECT_THAT(lines.front(), HasSubstr("EXTRUDER_COUNT:2"));
    EXPECT_THAT(lines, Contains(std::string("Cap:ADVANCED_OK:1")));
    EXPECT_THAT(lines, Contains(std::string("Cap:AUTOREPORT_TEMP:0")));
    EXPECT_THAT(lines, Contains(std::string("Cap:EMERGENCY_PARSER:0")));
    EXPECT_THAT(lines, Contains(std::string("Cap:CHAMBER_TEMPERATURE:1")));

    port->send("M155 S1\n");
    auto unknown = port->read_until_prefix("ok");
    EXPECT_THAT(unknown, Contains(std::string("echo:Unknown command: \"M155 S1\"")));

    port->send("M105\n");
    auto temps = port->read_until_prefix("ok");
    EXPECT_EQ(
        temps.back(),
        "ok T:21.00 /0.00 B:21.00 /0.00 C:21.00 /0.00 T0:21.00 /0.00 T1:21.00 /0.00 @:0 B@:0 C@:0 @0:0 @1:0");
}

TEST(sim_handshake, M105AndM114AndUnknownCommands) {
    sim_process sim(unpaced({"--no-motion-time"}));
    ASSERT_TRUE(sim.ready());
    auto port = sim.open();
    port->send("M105\n");
    EXPECT_EQ(port->read_until_prefix("ok").back(), "ok T:21.00 /0.00 B:21.00 /0.00 @:0 B@:0");

    port->send("G1 X10 Y20 Z0.3 E1.5 F3000\nG91\nG1 X5\nM114\n");
    auto pos = port->read_until_prefix("X:");
    EXPECT_EQ(pos.back(), "X:15.00 Y:20.00 Z:0.30 E:1.50 Count X:1200 Y:1600 Z:120");
    EXPECT_EQ(port->read_line(), "ok");

    port->send("M9999 P1\n");
    EXPECT_EQ(port->read_line(), "echo:Unknown command: \"M9999 P1\"");
    EXPECT_EQ(port->read_line(), "ok");
}

TEST(sim_handshake, AdvancedOkReportsLinePlannerAndQueueRoom) {
    sim_process sim(unpaced({"--advanced-ok", "--planner-blocks", "8", "--command-slots", "6"}));
    ASSERT_TRUE(sim.ready());
    auto port = sim.open();
    port->send("M110 N0\n");
    EXPECT_EQ(port->read_until_prefix("ok").back(), "ok N0 P8 B6");
    port->send(numbered(1, "G92 X0"));
    EXPECT_EQ(port->read_until_prefix("ok").back(), "ok N1 P8 B6");
    // A slow move occupies one planner block for a long while.
    port->send(numbered(2, "G1 X100 F60"));
    EXPECT_EQ(port->read_until_prefix("ok").back(), "ok N2 P7 B6");
    port->send(numbered(3, "G1 X200 F60"));
    EXPECT_EQ(port->read_until_prefix("ok").back(), "ok N3 P6 B6");
    // A rejected line's ok names the last accepted line.
    port->send(numbered(9, "M105"));
    auto rejected = port->read_until_prefix("ok");
    EXPECT_THAT(rejected, Contains(std::string("Resend: 4")));
    EXPECT_EQ(rejected.back(), "ok N3 P6 B6");

    port->send(numbered(4, "M400"));  // waits for the 300 s of moves: quick-stop it instead
    port->send("M410\n");
    auto after = port->read_until_prefix("ok");
    long n = -1, p = -1, b = -1;
    char end = 0;
    EXPECT_EQ(std::sscanf(after.back().c_str(), "ok N%ld P%ld B%ld%c", &n, &p, &b, &end), 3) << after.back();
    EXPECT_EQ(n, 4);
    EXPECT_EQ(p, 8);  // the quick stop emptied the planner
}

TEST(sim_handshake, ReopeningThePtyKeepsTheFirmwareGoing) {
    sim_process sim(unpaced());
    ASSERT_TRUE(sim.ready());
    {
        auto port = sim.open();
        port->read_until_prefix("echo:SD card ok");
        port->send(numbered(1, "M104 S150"));
        EXPECT_EQ(port->read_line(), "ok");
    }
    // No reset on open (a pty has no DTR): the line number and the target carry on.
    auto port = sim.open();
    ASSERT_TRUE(port);
    port->send(numbered(2, "M105"));
    EXPECT_THAT(port->read_until_prefix("ok").back(), HasSubstr("/150.00"));
}

TEST(sim_handshake, VerboseLogsEveryLineBothWays) {
    sim_process sim(unpaced({"-v"}));
    ASSERT_TRUE(sim.ready());
    auto port = sim.open();
    port->send("M105\n");
    port->read_until_prefix("ok");
    ASSERT_TRUE(
        wait_until([&] { return sim.process().err().find("send: ok T:") != std::string::npos; }, patience));
    EXPECT_THAT(sim.process().err(), HasSubstr("recv: M105"));
}

TEST(sim_handshake, BadCommandLinesExitWithTwo) {
    temp_dir dir;
    EXPECT_EQ(run_and_wait({}), 2);
    EXPECT_EQ(run_and_wait({"--pty", (dir / "a").string(), "--tcp", "127.0.0.1:0"}), 2);
    EXPECT_EQ(run_and_wait({"--tcp", "nonsense"}), 2);
    EXPECT_EQ(run_and_wait({"--pty", (dir / "a").string(), "--fault", "explode@3"}), 2);
    EXPECT_EQ(run_and_wait({"--pty", (dir / "a").string(), "--fault", "resend-old@3:9"}), 2);
    EXPECT_EQ(run_and_wait({"--pty", (dir / "a").string(), "--baud", "fast"}), 2);
    EXPECT_EQ(run_and_wait({"--pty", (dir / "a").string(), "--command-slots", "0"}), 2);
    EXPECT_EQ(run_and_wait({"--pty", (dir / "a").string(), "--sd-file", "x.gco:/nonexistent/file"}), 2);
    EXPECT_EQ(run_and_wait({"--pty", (dir / "a").string(), "--no-such-option"}), 2);
    EXPECT_FALSE(fs::exists(dir / "a"));
}

TEST(sim_handshake, ReplacesAStaleLinkAndRemovesItOnExit) {
    temp_dir dir;
    const auto link = dir / "ttyStale";
    fs::create_symlink("/dev/pts/does-not-exist", link);
    child_process p({PRINTGATE_SIM_BIN, "--pty", link.string()}, dir / "out", dir / "err");
    ASSERT_TRUE(wait_until([&] { return p.out().find('\n') != std::string::npos; }, patience)) << p.err();
    EXPECT_THAT(fs::read_symlink(link).string(), HasSubstr("/dev/pts/"));
    EXPECT_TRUE(fs::exists(link));  // the target exists
    EXPECT_EQ(p.stop(), 0);
    EXPECT_FALSE(fs::is_symlink(link));
}

TEST(sim_handshake, RefusesToReplaceARegularFile) {
    temp_dir dir;
    printgate::testing::write_file(dir / "notalink", "precious");
    child_process p({PRINTGATE_SIM_BIN, "--pty", (dir / "notalink").string()}, dir / "out", dir / "err");
    EXPECT_EQ(p.wait(patience).value_or(-1), 1);
    EXPECT_EQ(printgate::testing::read_file(dir / "notalink"), "precious");
}

}  // namespace
}  // namespace sim_test
