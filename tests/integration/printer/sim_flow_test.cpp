// printgate-sim over a real pty: receive-buffer overflow, the emergency parser, blocking
// commands, busy keepalives, the planner and the command queue.
#include <gmock/gmock.h>

#include "sim_harness.hpp"

namespace sim_test {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

bool is_wait_report(const std::string& l) {
    return starts_with(l, " T:") && l.find(" W:") != std::string::npos;
}

class sim_flow : public ::testing::Test {
protected:
    void start(std::vector<std::string> options) {
        sim_ = std::make_unique<sim_process>(unpaced(std::move(options)));
        ASSERT_TRUE(sim_->ready()) << sim_->process().err();
        port_ = sim_->open();
        ASSERT_TRUE(port_);
        port_->read_until_prefix("echo:SD card ok");
    }

    // M109 towards a target the slow hotend needs ages for: the queue is blocked until M108.
    void block_on_heating() {
        port_->send("M109 S200\n");
        port_->read_until(is_wait_report);
    }

    std::unique_ptr<sim_process> sim_;
    std::unique_ptr<line_port> port_;
};

TEST_F(sim_flow, BytesBeyondAFullReceiveBufferAreDroppedAndCounted) {
    start({"--rx-buffer", "64", "--hotend-tau", "3600"});
    block_on_heating();
    std::string blast;
    for (int i = 0; i < 200; ++i) blast += "M105\n";  // 1000 bytes; only 64 fit
    port_->send(blast);
    port_->send("M108\n");  // dropped from the full buffer, but the emergency parser sees it
    auto lines = port_->read_until([](const std::string& l) { return l == "ok"; });  // M109's ok
    // The 64 bytes that fit hold twelve whole M105 lines and a partial "M105".
    for (int i = 0; i < 12; ++i) EXPECT_TRUE(starts_with(port_->read_line().value_or(""), "ok T:")) << i;
    port_->send("\n");  // completes the partial line
    EXPECT_TRUE(starts_with(port_->read_line().value_or(""), "ok T:"));

    const auto json = sim_->stop();
    EXPECT_EQ(json["rx_overflow_bytes"], 1005 - 64);
    EXPECT_EQ(json["max_rx_used"], 64);
    EXPECT_THAT(sim_->log(), HasSubstr("\t-\tM108\n"));
}

TEST_F(sim_flow, EmergencyParserKillsEvenWhenTheBufferIsFull) {
    start({"--rx-buffer", "32", "--hotend-tau", "3600"});
    block_on_heating();
    port_->send(std::string(100, 'G') + "\n");  // fills the buffer
    port_->send("N7 M112*23\n");                // a checksum after the code is fine
    auto lines = port_->read_until_prefix("Error:Printer halted");
    EXPECT_EQ(lines.back(), "Error:Printer halted. kill() called!");
    // Halted: nothing is answered any more.
    port_->send("M105\n");
    EXPECT_EQ(port_->read_line(1000ms), std::nullopt);
    const auto json = sim_->stop();
    EXPECT_EQ(json["killed"], true);
    EXPECT_GT(json["rx_overflow_bytes"], 0);
    EXPECT_THAT(sim_->log(), HasSubstr("\t-\tM112\n"));
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\thalted: M112\n"));
}

TEST_F(sim_flow, WithoutTheEmergencyParserM112WaitsItsTurnInTheQueue) {
    start({"--no-emergency-parser", "--hotend-tau", "0.5"});
    port_->send("M109 S30\nM108\nM112\n");
    auto lines = port_->read_until_prefix("Error:Printer halted");
    // M108 did not cut the wait short: M109 ran to its end, then M108, then M112.
    EXPECT_THAT(lines, Contains(std::string("ok")));
    sim_->stop();
    const auto log = sim_->log_lines();
    ASSERT_GE(log.size(), 3u) << sim_->log();
    EXPECT_EQ(log[0][2], "M109 S30");
    EXPECT_EQ(log[1][2], "M108");
    EXPECT_EQ(log[2][2], "M112");
}

TEST_F(sim_flow, M108EndsAHeatingWait) {
    start({"--hotend-tau", "3600"});
    block_on_heating();
    port_->send("M108\n");
    auto lines = port_->read_until([](const std::string& l) { return l == "ok"; });
    EXPECT_EQ(lines.back(), "ok");        // M109 gave up waiting
    EXPECT_EQ(port_->read_line(), "ok");  // M108 itself, once its turn in the queue came
    port_->send("M105\n");
    EXPECT_THAT(port_->read_until_prefix("ok").back(), HasSubstr("/200.00"));
}

TEST_F(sim_flow, M109FinishesNearTheTargetWithReportsOnTheWay) {
    start({"--hotend-tau", "0.3"});
    port_->send("M109 S60\n");
    auto lines = port_->read_until([](const std::string& l) { return l == "ok"; });
    ASSERT_GE(lines.size(), 2u);
    EXPECT_TRUE(is_wait_report(lines.front())) << lines.front();
    EXPECT_THAT(lines.front(), HasSubstr("/60.00"));
    port_->send("M105\n");
    const auto report = port_->read_until_prefix("ok").back();
    const double reading = std::stod(report.substr(report.find("T:") + 2));
    EXPECT_GE(reading, 59.0) << report;
}

TEST_F(sim_flow, M410StopsMotionThatM400IsWaitingFor) {
    start({});
    port_->send("G1 X1000 F60\nM400\n");
    EXPECT_EQ(port_->read_line(), "ok");  // G1 is planned
    port_->send("M410\n");
    EXPECT_EQ(port_->read_line(), "ok");  // M400 released
    EXPECT_EQ(port_->read_line(), "ok");  // the queued M410 itself
    port_->send("M114\n");
    const auto pos = port_->read_until_prefix("X:").back();
    EXPECT_LT(std::stod(pos.substr(2)), 1000.0) << pos;
}

TEST_F(sim_flow, BlockingCommandsSendBusyKeepalives) {
    start({"--busy-interval", "0.2"});
    port_->send("G4 S1\n");
    auto lines = port_->read_until([](const std::string& l) { return l == "ok"; });
    EXPECT_THAT(lines, Contains(std::string("echo:busy: processing")));

    port_->send("M600\n");
    lines = port_->read_until_prefix("echo:busy: paused for user");
    port_->send("M108\n");
    EXPECT_EQ(port_->read_until([](const std::string& l) { return l == "ok"; }).back(), "ok");
}

TEST_F(sim_flow, NoKeepalivesWhenTheIntervalIsZero) {
    start({"--busy-interval", "0"});
    port_->send("G4 P700\n");
    auto lines = port_->read_until([](const std::string& l) { return l == "ok"; });
    EXPECT_THAT(lines, ::testing::ElementsAre("ok"));
}

TEST_F(sim_flow, AFullPlannerHoldsTheOkOfTheNextMove) {
    start({"--planner-blocks", "2", "--busy-interval", "0.2"});
    port_->send("G1 X100 F60\nG1 X200 F60\n");
    EXPECT_EQ(port_->read_line(), "ok");
    EXPECT_EQ(port_->read_line(), "ok");
    port_->send("G1 X300 F60\n");
    // No room: the firmware keeps saying it is busy instead of ok.
    EXPECT_EQ(port_->read_line(), "echo:busy: processing");
    port_->send("M410\n");
    EXPECT_EQ(port_->read_until([](const std::string& l) { return l == "ok"; }).back(), "ok");
}

TEST_F(sim_flow, TheQueueNeverHoldsMoreThanItsSlots) {
    start({"--command-slots", "3", "--rx-buffer", "4096"});  // the burst fits the buffer
    // Like Marlin, M110 sets the line number when it runs: a host waits for its ok.
    port_->send("M110 N0\n");
    EXPECT_EQ(port_->read_line(), "ok");
    std::string burst;
    for (int i = 1; i <= 20; ++i) burst += numbered(i, "G4 P1");
    port_->send(burst);
    int oks = 1;
    while (oks < 21) {
        auto line = port_->read_line();
        ASSERT_TRUE(line) << port_->transcript();
        if (*line == "ok") ++oks;
    }
    const auto json = sim_->stop();
    EXPECT_EQ(json["max_command_slots_used"], 3);
    EXPECT_EQ(json["lines_accepted"], 21);
    EXPECT_EQ(json["commands_executed"], 21);
    EXPECT_EQ(json["gaps"], 0);
}

TEST_F(sim_flow, PacedLinkWithOkFlowControlLosesNothing) {
    // Real pacing (a slow baud rate, USB latency, command time), and a host that waits for
    // each ok as hosts do: nothing may be dropped or resent.
    sim_ = std::make_unique<sim_process>(std::vector<std::string>{"--baud", "115200", "--no-motion-time"});
    ASSERT_TRUE(sim_->ready());
    port_ = sim_->open();
    port_->send("M110 N0\n");
    port_->read_until([](const std::string& l) { return l == "ok"; });
    for (int i = 1; i <= 50; ++i) {
        port_->send(numbered(i, "G1 X" + std::to_string(i) + " F6000"));
        const auto reply = port_->read_until_prefix("ok");
        for (const auto& l : reply) ASSERT_FALSE(starts_with(l, "Resend")) << port_->transcript();
    }
    const auto json = sim_->stop();
    EXPECT_EQ(json["rx_overflow_bytes"], 0);
    EXPECT_EQ(json["lines_accepted"], 51);
    EXPECT_EQ(json["commands_executed"], 51);
    EXPECT_EQ(json["resends_requested"], 0);
    EXPECT_GT(json["lines_per_s"], 0);
}

}  // namespace
}  // namespace sim_test
