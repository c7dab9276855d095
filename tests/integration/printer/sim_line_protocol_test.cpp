// printgate-sim over a real pty: line numbers, checksums, Resend, M110, comments, the log.
#include <gmock/gmock.h>

#include "sim_harness.hpp"

namespace sim_test {
namespace {

using ::testing::ElementsAre;

class sim_line_protocol : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(sim_.ready()) << sim_.process().err();
        port_ = sim_.open();
        ASSERT_TRUE(port_);
        port_->read_until_prefix("echo:SD card ok");
    }

    std::vector<std::string> exchange(std::string_view bytes) {
        port_->send(bytes);
        return port_->read_until_prefix("ok");
    }

    sim_process sim_{unpaced()};
    std::unique_ptr<line_port> port_;
};

TEST_F(sim_line_protocol, AcceptsConsecutiveNumberedLines) {
    EXPECT_THAT(exchange(numbered(1, "G90")), ElementsAre("ok"));
    EXPECT_THAT(exchange(numbered(2, "M105")), ElementsAre("ok T:21.00 /0.00 B:21.00 /0.00 @:0 B@:0"));
    EXPECT_THAT(exchange(numbered(3, "G92 E0")), ElementsAre("ok"));
}

TEST_F(sim_line_protocol, ChecksumMismatchAsksForTheLineAgain) {
    EXPECT_THAT(exchange(numbered(1, "G90")), ElementsAre("ok"));
    EXPECT_THAT(exchange("N2 G91*1\n"),
                ElementsAre("Error:checksum mismatch, Last Line: 1", "Resend: 2", "ok"));
    EXPECT_THAT(exchange(numbered(2, "G91")), ElementsAre("ok"));
    const auto json = sim_.stop();
    EXPECT_EQ(json["checksum_errors"], 1);
    EXPECT_EQ(json["resends_requested"], 1);
    EXPECT_EQ(json["lines_accepted"], 2);
}

TEST_F(sim_line_protocol, NumberedLineWithoutChecksumIsRejected) {
    EXPECT_THAT(exchange("N1 G90\n"),
                ElementsAre("Error:No Checksum with line number, Last Line: 0", "Resend: 1", "ok"));
    EXPECT_THAT(exchange(numbered(1, "G90")), ElementsAre("ok"));
}

TEST_F(sim_line_protocol, WrongLineNumberIsRejectedBeforeTheChecksumIsLookedAt) {
    EXPECT_THAT(exchange(numbered(1, "G90")), ElementsAre("ok"));
    EXPECT_THAT(exchange(numbered(3, "G90")),
                ElementsAre("Error:Line Number is not Last Line Number+1, Last Line: 1", "Resend: 2", "ok"));
    // Wrong number and wrong checksum: Marlin reports the number.
    EXPECT_THAT(exchange("N5 G90*0\n"),
                ElementsAre("Error:Line Number is not Last Line Number+1, Last Line: 1", "Resend: 2", "ok"));
    const auto json = sim_.stop();
    EXPECT_EQ(json["line_number_errors"], 2);
    EXPECT_EQ(json["checksum_errors"], 0);
}

TEST_F(sim_line_protocol, EveryLineAfterABadOneIsRejectedToo) {
    // The host streamed three lines; the first was corrupted, so all three need resending.
    port_->send("N1 G90*7\n" + numbered(2, "G90") + numbered(3, "G90"));
    std::vector<std::string> resends;
    while (resends.size() < 3) {
        auto line = port_->read_line();
        ASSERT_TRUE(line) << port_->transcript();
        if (starts_with(*line, "Resend:")) resends.push_back(*line);
    }
    EXPECT_THAT(resends, ElementsAre("Resend: 1", "Resend: 1", "Resend: 1"));
    EXPECT_THAT(exchange(numbered(1, "G90")), ElementsAre("ok"));
}

TEST_F(sim_line_protocol, M110SetsTheLineNumberNumberedOrNot) {
    EXPECT_THAT(exchange("M110 N100\n"), ElementsAre("ok"));
    EXPECT_THAT(exchange(numbered(101, "G90")), ElementsAre("ok"));
    // A numbered M110 carries its new number after the code, as Marlin reads it.
    EXPECT_THAT(exchange(numbered(7, "M110 N50")), ElementsAre("ok"));
    EXPECT_THAT(exchange(numbered(51, "G90")), ElementsAre("ok"));
    EXPECT_THAT(
        exchange(numbered(1, "G90")),
        ElementsAre("Error:Line Number is not Last Line Number+1, Last Line: 51", "Resend: 52", "ok"));
}

TEST_F(sim_line_protocol, UnnumberedLinesAndCommentsAndLineEndings) {
    EXPECT_THAT(exchange("G4 P0 ; settle\r\n"), ElementsAre("ok"));
    // A comment-only line and blank lines get no answer: the next ok is for M114.
    port_->send("; just a comment\n\n   \r\n");
    EXPECT_THAT(exchange("M114\n"), ElementsAre("X:0.00 Y:0.00 Z:0.00 E:0.00 Count X:0 Y:0 Z:0", "ok"));
    // Without N, a checksum is not checked.
    EXPECT_THAT(exchange("G92 X1*99\n"), ElementsAre("ok"));
    sim_.stop();
    const auto log = sim_.log_lines();
    ASSERT_EQ(log.size(), 3u) << sim_.log();
    EXPECT_THAT(std::vector<std::string>(log[0].begin() + 1, log[0].end()), ElementsAre("-", "G4 P0"));
    EXPECT_THAT(std::vector<std::string>(log[1].begin() + 1, log[1].end()), ElementsAre("-", "M114"));
    EXPECT_THAT(std::vector<std::string>(log[2].begin() + 1, log[2].end()), ElementsAre("-", "G92 X1"));
}

TEST_F(sim_line_protocol, LogRecordsLineNumbersAndCommandsWithoutChecksums) {
    exchange("M110 N0\n");
    exchange(numbered(1, "G1 X1 F6000"));
    exchange(numbered(2, "M105"));
    sim_.stop();
    const auto log = sim_.log_lines();
    ASSERT_EQ(log.size(), 3u) << sim_.log();
    for (const auto& fields : log) {
        ASSERT_EQ(fields.size(), 3u);
        EXPECT_NO_THROW((void)std::stol(fields[0]));
    }
    EXPECT_EQ(log[1][1], "1");
    EXPECT_EQ(log[1][2], "G1 X1 F6000");
    EXPECT_EQ(log[2][1], "2");
    EXPECT_EQ(log[2][2], "M105");
}

}  // namespace
}  // namespace sim_test
