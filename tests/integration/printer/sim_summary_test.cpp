// printgate-sim --summary: gaps, duplicates and the other counters, computed as documented.
#include <gmock/gmock.h>

#include "sim_harness.hpp"

namespace sim_test {
namespace {

using ::testing::ElementsAre;

bool is_ok(const std::string& l) { return starts_with(l, "ok"); }

class sim_summary : public ::testing::Test {
protected:
    void start(std::vector<std::string> options = {}) {
        sim_ = std::make_unique<sim_process>(unpaced(std::move(options)));
        ASSERT_TRUE(sim_->ready()) << sim_->process().err();
        port_ = sim_->open();
        ASSERT_TRUE(port_);
        port_->read_until_prefix("echo:SD card ok");
    }

    std::vector<std::string> exchange(std::string_view bytes) {
        port_->send(bytes);
        return port_->read_until(is_ok);
    }

    std::unique_ptr<sim_process> sim_;
    std::unique_ptr<line_port> port_;
};

TEST_F(sim_summary, HasEveryFieldAndIsWrittenOnSigint) {
    start();
    exchange("M110 N0\n");
    for (int n = 1; n <= 5; ++n) exchange(numbered(n, "G90"));
    sim_->process().signal(SIGINT);
    ASSERT_EQ(sim_->process().wait(patience), 0);
    const auto json = nlohmann::json::parse(printgate::testing::read_file(sim_->dir() / "summary.json"));
    for (const char* key : {"lines_accepted", "commands_executed", "gaps", "duplicates", "resends_requested",
                            "checksum_errors", "line_number_errors", "rx_overflow_bytes", "lines_per_s",
                            "killed", "resets", "max_rx_used", "max_command_slots_used", "sd_printing"})
        EXPECT_TRUE(json.contains(key)) << key;
    EXPECT_EQ(json["lines_accepted"], 6);
    EXPECT_EQ(json["commands_executed"], 6);
    EXPECT_EQ(json["gaps"], 0);
    EXPECT_EQ(json["duplicates"], 0);
    EXPECT_EQ(json["killed"], false);
    EXPECT_EQ(json["resets"], 0);
    EXPECT_GT(json["lines_per_s"], 0);
    EXPECT_FALSE(fs::exists(sim_->link()));
}

TEST_F(sim_summary, AnM110ResetClearsWhatCountsAsADuplicate) {
    start();
    for (int n = 1; n <= 3; ++n) exchange(numbered(n, "G90"));
    exchange("M110 N0\n");
    for (int n = 1; n <= 3; ++n) exchange(numbered(n, "G90"));  // the same numbers again: no duplicates
    const auto json = sim_->stop();
    EXPECT_EQ(json["gaps"], 0);
    EXPECT_EQ(json["duplicates"], 0);
}

TEST_F(sim_summary, ALineThatDoesNotFollowTheLastExecutedOneIsAGap) {
    // M110 takes effect when it runs; a line accepted before that runs after it, out of turn.
    start({"--hotend-tau", "3600"});
    port_->send("M109 S200\n");
    port_->read_until([](const std::string& l) { return l.find(" W:") != std::string::npos; });
    port_->send("M110 N10\n" + numbered(1, "G90") + "M108\n");
    // M109 ends, then M110 N10 runs, then N1 (accepted against the old number) runs.
    int oks = 0;
    while (oks < 4) {
        auto line = port_->read_line();
        ASSERT_TRUE(line) << port_->transcript();
        if (*line == "ok") ++oks;
    }
    EXPECT_THAT(exchange(numbered(11, "G90")), ElementsAre("ok"));
    const auto json = sim_->stop();
    // Executed: [M110 -> 10] 1 11 -> 1 follows 10? no: a gap; 11 follows 1? no: a gap.
    EXPECT_EQ(json["gaps"], 2);
    EXPECT_EQ(json["duplicates"], 0);
}

TEST_F(sim_summary, ErrorsAndResendsAreCountedSeparately) {
    start();
    exchange(numbered(1, "G90"));
    exchange("N2 G90*0\n");        // checksum
    exchange("N2 G90\n");          // no checksum: counted with checksum errors
    exchange(numbered(5, "G90"));  // line number
    exchange(numbered(2, "G90"));
    const auto json = sim_->stop();
    EXPECT_EQ(json["checksum_errors"], 2);
    EXPECT_EQ(json["line_number_errors"], 1);
    EXPECT_EQ(json["resends_requested"], 3);
    EXPECT_EQ(json["lines_accepted"], 2);
}

TEST_F(sim_summary, KilledStaysTrueAndTheSimKeepsRunningUntilSignalled) {
    start();
    port_->send("M112\n");
    port_->read_until_prefix("Error:Printer halted");
    EXPECT_TRUE(sim_->process().running());
    const auto json = sim_->stop();
    EXPECT_EQ(json["killed"], true);
}

}  // namespace
}  // namespace sim_test
