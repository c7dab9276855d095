// printgate-sim --tcp: the same firmware behind a TCP listener, one client at a time, state
// kept across clients.
#include <gmock/gmock.h>

#include "sim_harness.hpp"

namespace sim_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

bool is_ok(const std::string& l) { return starts_with(l, "ok"); }

class sim_tcp : public ::testing::Test {
protected:
    void SetUp() override {
        sim_ = std::make_unique<sim_process>(std::vector<std::string>{"--hotend-tau", "3600"},
                                             sim_process::transport::tcp);
        ASSERT_TRUE(sim_->ready()) << sim_->process().err();
    }

    std::unique_ptr<line_port> connect() {
        auto c = line_port::connect_tcp(sim_->port());
        if (c) c->resync();
        return c;
    }

    std::unique_ptr<sim_process> sim_;
};

TEST_F(sim_tcp, PrintsTheBoundLoopbackPort) {
    const auto out = sim_->process().out();
    EXPECT_EQ(out, "printgate-sim ready tcp=127.0.0.1:" + std::to_string(sim_->port()) + "\n");
    EXPECT_GT(sim_->port(), 0);
}

TEST_F(sim_tcp, SpeaksTheSameProtocol) {
    auto c = sim_->open();
    ASSERT_TRUE(c);
    c->send("M115\n");
    // A client may connect in the middle of earlier output (here the tail of the banner,
    // paced out to nobody), as with a real serial bridge: skip to the answer.
    c->read_until(
        [](const std::string& l) { return l.find("FIRMWARE_NAME:Marlin 2.1.2 (printgate-sim)") == 0; });
    c->read_until(is_ok);
    c->send("N1 G90*0\n");
    EXPECT_THAT(c->read_until(is_ok),
                ElementsAre("Error:checksum mismatch, Last Line: 0", "Resend: 1", "ok"));
    c->send(numbered(1, "G90"));
    EXPECT_THAT(c->read_until(is_ok), ElementsAre("ok"));
}

TEST_F(sim_tcp, TheFirmwareOutlivesItsClients) {
    {
        auto first = connect();
        ASSERT_TRUE(first);
        first->send(numbered(1, "M104 S200"));
        EXPECT_THAT(first->read_until(is_ok), ElementsAre("ok"));
    }
    auto second = connect();
    ASSERT_TRUE(second);
    second->send(numbered(2, "M105"));  // the line number carries on too
    EXPECT_THAT(second->read_until(is_ok).back(), HasSubstr("/200.00"));
    const auto json = sim_->stop();
    EXPECT_EQ(json["resets"], 0);
    EXPECT_EQ(json["lines_accepted"], 4);  // two numbered lines, two M118 resyncs
}

TEST_F(sim_tcp, ASecondClientWaitsForTheFirstToLeave) {
    auto first = connect();
    ASSERT_TRUE(first);
    first->send("M105\n");
    first->read_until(is_ok);
    auto second = line_port::connect_tcp(sim_->port());
    ASSERT_TRUE(second);  // the connection waits in the backlog
    second->send("M115\n");
    EXPECT_EQ(second->read_line(1000ms), std::nullopt);
    first.reset();
    EXPECT_THAT(second->read_until(is_ok).front(), HasSubstr("FIRMWARE_NAME"));
}

TEST_F(sim_tcp, EmergencyStopWorksOverTcp) {
    auto c = connect();
    ASSERT_TRUE(c);
    c->send("M109 S200\n");
    c->read_until([](const std::string& l) { return l.find(" W:") != std::string::npos; });
    c->send("M112\n");
    EXPECT_EQ(c->read_until_prefix("Error:").back(), "Error:Printer halted. kill() called!");
    EXPECT_EQ(sim_->stop()["killed"], true);
}

}  // namespace
}  // namespace sim_test
