// printgate-sim's SD card over a real pty: list, select, print, progress, pause, abort.
#include <gmock/gmock.h>

#include "sim_harness.hpp"

namespace sim_test {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

bool is_ok(const std::string& l) { return starts_with(l, "ok"); }

const std::string cube =
    "; sliced by hand\n"
    "G28\n"
    "G1 X10 F6000 ; first\n"
    "N12 G1 X20*57\n"
    "\n"
    "M105\n";

std::string slow_file() {
    std::string text;
    for (int i = 0; i < 40; ++i) text += "G4 P100\n";  // four seconds of dwell
    return text;
}

class sim_sd : public ::testing::Test {
protected:
    void SetUp() override {
        printgate::testing::write_file(files_ / "cube.gco", cube);
        printgate::testing::write_file(files_ / "slow.gco", slow_file());
        sim_ = std::make_unique<sim_process>(
            unpaced({"--home-time", "0", "--sd-file", "CUBE.GCO:" + (files_ / "cube.gco").string(),
                     "--sd-file", "SLOW.GCO:" + (files_ / "slow.gco").string()}));
        ASSERT_TRUE(sim_->ready()) << sim_->process().err();
        port_ = sim_->open();
        ASSERT_TRUE(port_);
        port_->read_until_prefix("echo:SD card ok");
    }

    std::vector<std::string> exchange(std::string_view bytes) {
        port_->send(bytes);
        return port_->read_until(is_ok);
    }

    temp_dir files_;
    std::unique_ptr<sim_process> sim_;
    std::unique_ptr<line_port> port_;
};

TEST_F(sim_sd, ListsTheCard) {
    EXPECT_THAT(exchange("M20\n"),
                ElementsAre("Begin file list", "CUBE.GCO " + std::to_string(cube.size()),
                            "SLOW.GCO " + std::to_string(slow_file().size()), "End file list", "ok"));
}

TEST_F(sim_sd, SelectsAFileCaseInsensitivelyOrSaysItCannot) {
    EXPECT_THAT(
        exchange("M23 cube.gco\n"),
        ElementsAre("echo:Now fresh file: CUBE.GCO",
                    "File opened: CUBE.GCO Size: " + std::to_string(cube.size()), "File selected", "ok"));
    EXPECT_THAT(exchange("M23 nope.gco\n"), ElementsAre("open failed, File: nope.gco.", "ok"));
}

TEST_F(sim_sd, PrintsTheSelectedFileItself) {
    exchange("M23 CUBE.GCO\n");
    EXPECT_THAT(exchange("M27\n"), ElementsAre("Not SD printing", "ok"));
    port_->send("M24\n");
    auto lines = port_->read_until_prefix("Done printing file");
    // SD commands answer nothing on the serial line: one ok for M24, no more.
    EXPECT_EQ(std::count(lines.begin(), lines.end(), "ok"), 1) << port_->transcript();
    EXPECT_THAT(exchange("M27\n"), ElementsAre("Not SD printing", "ok"));

    const auto json = sim_->stop();
    EXPECT_EQ(json["sd_printing"], false);
    std::vector<std::string> from_sd;
    for (const auto& f : sim_->log_lines())
        if (f.size() == 3 && f[1] == "sd") from_sd.push_back(f[2]);
    EXPECT_THAT(from_sd, ElementsAre("G28", "G1 X10 F6000", "G1 X20", "M105"));
}

TEST_F(sim_sd, ReportsProgressPausesAndResumes) {
    exchange("M23 SLOW.GCO\n");
    exchange("M24\n");
    const auto size = std::to_string(slow_file().size());
    auto status = exchange("M27\n");
    ASSERT_EQ(status.size(), 2u);
    EXPECT_THAT(status[0], HasSubstr("SD printing byte "));
    EXPECT_THAT(status[0], HasSubstr("/" + size));
    const long first = std::stol(status[0].substr(std::string("SD printing byte ").size()));

    exchange("M25\n");
    status = exchange("M27\n");
    EXPECT_THAT(status[0], HasSubstr("SD printing byte "));  // paused is still "printing"
    EXPECT_GE(std::stol(status[0].substr(std::string("SD printing byte ").size())), first);

    // Auto-report while paused: unprompted status lines.
    exchange("M27 S1\n");
    port_->read_until_prefix("SD printing byte ");
    exchange("M27 S0\n");

    port_->send("M24\n");
    port_->read_until_prefix("Done printing file", 20000ms);
    EXPECT_THAT(exchange("M27\n"), ElementsAre("Not SD printing", "ok"));
}

TEST_F(sim_sd, SummaryTellsAPausedPrintIsStillOn) {
    exchange("M23 SLOW.GCO\n");
    exchange("M24\n");
    exchange("M25\n");
    const auto json = sim_->stop();
    EXPECT_EQ(json["sd_printing"], true);
}

TEST_F(sim_sd, AbortEndsThePrintWithoutDone) {
    exchange("M23 SLOW.GCO\n");
    exchange("M24\n");
    EXPECT_EQ(exchange("M524\n").back(), "ok");
    EXPECT_THAT(exchange("M27\n"), ElementsAre("Not SD printing", "ok"));
    EXPECT_EQ(port_->read_line(1500ms), std::nullopt);
    EXPECT_THAT(port_->transcript(), Not(HasSubstr("Done printing file")));
    // M24 after an abort has no file to print.
    exchange("M24\n");
    EXPECT_THAT(exchange("M27\n"), ElementsAre("Not SD printing", "ok"));
}

TEST_F(sim_sd, SerialCommandsInterleaveWithTheFile) {
    exchange("M23 SLOW.GCO\n");
    exchange("M24\n");
    EXPECT_THAT(exchange("M105\n").back(), HasSubstr("ok T:"));
    exchange("M524\n");
}

TEST(sim_sd_dir, SdDirPutsEveryFileOnTheCard) {
    temp_dir files;
    printgate::testing::write_file(files / "a.gco", "G90\n");
    printgate::testing::write_file(files / "b.gco", "G91\nG90\n");
    sim_process sim(unpaced({"--sd-dir", files.path().string()}));
    ASSERT_TRUE(sim.ready()) << sim.process().err();
    auto port = sim.open();
    port->read_until_prefix("echo:SD card ok");
    port->send("M20\n");
    EXPECT_THAT(port->read_until(is_ok),
                ElementsAre("Begin file list", "a.gco 4", "b.gco 8", "End file list", "ok"));
}

}  // namespace
}  // namespace sim_test
