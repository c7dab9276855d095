// printgate-sim --fault: each injected fault as the host sees it on the wire, and as the
// log and the summary record it.
#include <gmock/gmock.h>

#include "sim_harness.hpp"

namespace sim_test {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

bool is_ok(const std::string& l) { return starts_with(l, "ok"); }

class sim_faults : public ::testing::Test {
protected:
    void start(std::vector<std::string> options, sim_process::transport how = sim_process::transport::pty) {
        sim_ = std::make_unique<sim_process>(unpaced(std::move(options)), how);
        ASSERT_TRUE(sim_->ready()) << sim_->process().err();
        port_ = sim_->open();
        ASSERT_TRUE(port_);
        if (how == sim_process::transport::pty) port_->read_until_prefix("echo:SD card ok");
    }

    std::vector<std::string> exchange(std::string_view bytes) {
        port_->send(bytes);
        return port_->read_until(is_ok);
    }

    // Lines 1..last, each waiting for its ok.
    void send_lines(long first, long last, std::string_view cmd = "G90") {
        for (long n = first; n <= last; ++n) EXPECT_THAT(exchange(numbered(n, cmd)), ElementsAre("ok")) << n;
    }

    std::unique_ptr<sim_process> sim_;
    std::unique_ptr<line_port> port_;
};

TEST_F(sim_faults, ChecksumFaultRejectsTheFirstCopyOnly) {
    start({"--fault", "checksum@3"});
    send_lines(1, 2);
    EXPECT_THAT(exchange(numbered(3, "G90")),
                ElementsAre("Error:checksum mismatch, Last Line: 2", "Resend: 3", "ok"));
    EXPECT_THAT(exchange(numbered(3, "G90")), ElementsAre("ok"));
    const auto json = sim_->stop();
    EXPECT_EQ(json["checksum_errors"], 1);
    EXPECT_EQ(json["resends_requested"], 1);
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\tfault checksum@3\n"));
}

TEST_F(sim_faults, NoOkAfterResendLeavesTheErrorWithoutOk) {
    start({"--advanced-ok", "--fault", "no-ok-after-resend"});
    port_->send("N1 G90*0\n");
    EXPECT_EQ(port_->read_line(), "Error:checksum mismatch, Last Line: 0");
    EXPECT_EQ(port_->read_line(), "Resend: 1");
    port_->send(numbered(1, "G90"));
    // The next ok is the one for the resent line: the error got none.
    EXPECT_EQ(port_->read_line(), "ok N1 P16 B4");
}

TEST_F(sim_faults, ResendLoopRejectsTheLineEveryTime) {
    start({"--fault", "resend-loop@2"});
    send_lines(1, 1);
    for (int i = 0; i < 3; ++i)
        EXPECT_THAT(exchange(numbered(2, "G90")),
                    ElementsAre("Error:checksum mismatch, Last Line: 1", "Resend: 2", "ok"));
    const auto json = sim_->stop();
    EXPECT_EQ(json["checksum_errors"], 3);
    EXPECT_EQ(json["lines_accepted"], 1);
}

TEST_F(sim_faults, ResendOldAsksForAFarOlderLineAndTheRepeatsAreDuplicates) {
    start({"--fault", "resend-old@5:2"});
    send_lines(1, 4);
    EXPECT_THAT(exchange(numbered(5, "G90")), ElementsAre("Resend: 2", "ok"));
    send_lines(2, 5);  // a host that keeps its history obliges
    const auto json = sim_->stop();
    // Executed: 1 2 3 4 2 3 4 5 -> one jump back, three repeats.
    EXPECT_EQ(json["gaps"], 1);
    EXPECT_EQ(json["duplicates"], 3);
    EXPECT_EQ(json["resends_requested"], 1);
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\tfault resend-old@5:2\n"));
}

TEST_F(sim_faults, DropOkExecutesTheLineButNeverAnswersIt) {
    start({"--advanced-ok", "--fault", "drop-ok@2"});
    EXPECT_EQ(exchange(numbered(1, "G90")).back(), "ok N1 P16 B4");
    port_->send(numbered(2, "G91"));
    port_->send(numbered(3, "G90"));
    EXPECT_EQ(port_->read_line(), "ok N3 P16 B4");
    sim_->stop();
    const auto log = sim_->log_lines();
    std::vector<std::string> executed;
    for (const auto& f : log)
        if (f.size() == 3 && f[1] != "!") executed.push_back(f[1] + " " + f[2]);
    EXPECT_THAT(executed, ElementsAre("1 G90", "2 G91", "3 G90"));
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\tfault drop-ok@2\n"));
}

TEST_F(sim_faults, BusyKeepsTheLineBusyWithKeepalivesThenOk) {
    start({"--busy-interval", "0.2", "--fault", "busy@2:1"});
    send_lines(1, 1);
    auto lines = exchange(numbered(2, "G90"));
    EXPECT_THAT(lines, Contains(std::string("echo:busy: processing")));
    EXPECT_EQ(lines.back(), "ok");
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\tfault busy@2:1\n"));
}

TEST_F(sim_faults, ResetRestartsTheFirmwareWithItsBanner) {
    start({"--fault", "reset@3"});
    send_lines(1, 1, "M104 S200");
    send_lines(2, 2, "M155 S1");
    port_->send(numbered(3, "G90"));
    port_->read_until_prefix("start");
    port_->read_until_prefix("echo:SD card ok");
    // Line numbers start over; the heater target and the auto-report are gone.
    EXPECT_THAT(exchange(numbered(4, "G90")),
                ElementsAre("Error:Line Number is not Last Line Number+1, Last Line: 0", "Resend: 1", "ok"));
    // The target is gone (the reading may still be cooling off the last milliseconds).
    EXPECT_THAT(exchange(numbered(1, "M105")), ElementsAre(HasSubstr(" /0.00 B:21.00 /0.00")));
    EXPECT_EQ(port_->read_line(1500ms), std::nullopt);  // no auto-report any more
    const auto json = sim_->stop();
    EXPECT_EQ(json["resets"], 1);
    EXPECT_EQ(json["duplicates"], 0);  // a reset starts the count afresh
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\tfault reset@3\n"));
}

TEST_F(sim_faults, ThermalRunawayHaltsAfterTheLine) {
    start({"--fault", "thermal-runaway@2"});
    send_lines(1, 1);
    port_->send(numbered(2, "M104 S200"));
    EXPECT_EQ(port_->read_line(), "ok");
    EXPECT_EQ(port_->read_line(), "Error:Thermal Runaway, system stopped! Heater_ID: 0");
    EXPECT_EQ(port_->read_line(), "Error:Printer halted. kill() called!");
    port_->send(numbered(3, "M105"));
    EXPECT_EQ(port_->read_line(1000ms), std::nullopt);
    const auto json = sim_->stop();
    EXPECT_EQ(json["killed"], true);
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\tfault thermal-runaway@2\n"));
}

TEST_F(sim_faults, HeaterFaultReadsADisconnectedThermistor) {
    start({"--fault", "heater-fault@2"});
    send_lines(1, 2);
    EXPECT_THAT(exchange(numbered(3, "M105")), ElementsAre(HasSubstr("ok T:-14.00 /0.00 B:21.00")));
    EXPECT_THAT(exchange(numbered(4, "M105")), ElementsAre(HasSubstr("ok T:-14.00 ")));
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\tfault heater-fault@2\n"));
}

TEST_F(sim_faults, VanishRemovesThePtyAndBringsItBackFreshlyReset) {
    start({"--fault", "vanish@2:1"});
    send_lines(1, 1, "M104 S200");
    port_->send(numbered(2, "G90"));
    EXPECT_TRUE(port_->wait_closed()) << port_->transcript();
    // Gone, then back under the same name (likely another /dev/pts/N).
    ASSERT_TRUE(wait_until([&] { return fs::exists(sim_->link()); }, patience));
    auto again = line_port::open_pty(sim_->link());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->read_line(), "start");
    again->read_until_prefix("echo:SD card ok");
    again->send(numbered(1, "M105"));
    EXPECT_THAT(again->read_until(is_ok).back(), HasSubstr(" /0.00 B:21.00 /0.00"));  // targets gone
    const auto json = sim_->stop();
    EXPECT_EQ(json["resets"], 1);
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\tfault vanish@2:1\n"));
    EXPECT_THAT(sim_->log(), HasSubstr("\t!\tport back: pty="));
}

TEST_F(sim_faults, VanishClosesTheTcpClientAndTheListenerComesBackOnTheSamePort) {
    start({"--fault", "vanish@1:1"}, sim_process::transport::tcp);
    port_->send(numbered(1, "G90"));
    EXPECT_TRUE(port_->wait_closed());
    std::unique_ptr<line_port> again;
    ASSERT_TRUE(
        wait_until([&] { return (again = line_port::connect_tcp(sim_->port())) != nullptr; }, patience));
    // Freshly reset: line numbers start over.
    again->send(numbered(1, "M105"));
    EXPECT_THAT(again->read_until(is_ok).back(), HasSubstr("ok T:21.00"));
    const auto json = sim_->stop();
    EXPECT_EQ(json["resets"], 1);
}

TEST_F(sim_faults, MalformedFaultSpecsAreRejected) {
    for (const char* bad : {"checksum", "checksum@", "checksum@x", "busy@3", "busy@3:x", "vanish@3:-1",
                            "resend-old@3", "reset@3:1", "meltdown@3"}) {
        temp_dir dir;
        child_process p({PRINTGATE_SIM_BIN, "--pty", (dir / "tty").string(), "--fault", bad}, dir / "out",
                        dir / "err");
        EXPECT_EQ(p.wait(patience).value_or(-1), 2) << bad;
        EXPECT_THAT(p.err(), HasSubstr("fault")) << bad;
    }
}

}  // namespace
}  // namespace sim_test
