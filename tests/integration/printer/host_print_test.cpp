// `printgate-edge print` against printgate-sim over a real pty: a clean job in every
// flow mode, then every way the serial protocol can go wrong. In each case the
// simulator's execution log proves that no job line was lost or executed twice.
#include "host_harness.hpp"

using namespace printgate::testing;

namespace {

constexpr int moves = 600;

class host_print : public ::testing::Test {
protected:
    temp_dir dir;
    std::filesystem::path job_file = dir / "job.gcode";
    std::vector<std::string> job = write_job(job_file, moves);

    // Runs one print against a simulator with the given options; returns the run, the
    // simulator's summary and its executed moves.
    struct outcome {
        print_run run;
        nlohmann::json summary;
        std::vector<executed_command> log;
        std::vector<std::string> executed;
    };
    outcome print(std::vector<std::string> sim_args, std::vector<std::string> print_args = {}) {
        simulator sim(dir, std::move(sim_args));
        EXPECT_TRUE(sim.ready()) << sim.err();
        outcome o;
        o.run = run_print(dir, sim.link(), job_file, std::move(print_args));
        o.summary = sim.stop();
        o.log = sim.log();
        o.executed = executed_moves(o.log);
        EXPECT_EQ(o.summary.value("gaps", -1), 0) << o.run.out;
        EXPECT_EQ(o.summary.value("duplicates", -1), 0) << o.run.out;
        EXPECT_EQ(o.summary.value("rx_overflow_bytes", -1), 0) << "the window overflowed the firmware's buffer";
        return o;
    }
    void expect_completed(const outcome& o) {
        EXPECT_EQ(o.run.exit_code, 0) << o.run.out;
        EXPECT_EQ(o.run.result.value("status", ""), "completed") << o.run.out;
        EXPECT_EQ(o.run.result.value("commands_acked", 0), o.run.result.value("commands_sent", -1));
        expect_prefix_executed_once(job, o.executed, job.size());
    }
    // A job that stopped early: what ran is an exact prefix, and everything the host
    // counted as acknowledged really ran.
    void expect_stopped(const outcome& o, const std::string& status) {
        EXPECT_EQ(o.run.exit_code, 1) << o.run.out;
        EXPECT_EQ(o.run.result.value("status", ""), status) << o.run.out;
        ASSERT_LT(o.executed.size(), job.size());
        expect_prefix_executed_once(job, o.executed, o.executed.size());
        // Acknowledged commands include the job's first three non-move lines.
        EXPECT_LE(o.run.result.value("commands_acked", 0u), o.executed.size() + 3 + moves / 100);
    }
};

}  // namespace

TEST_F(host_print, completes_windowed) {
    auto o = print({});
    expect_completed(o);
    EXPECT_EQ(o.run.result["link"].value("resend_requests", -1), 0);
}

TEST_F(host_print, completes_one_line_in_flight) {
    auto o = print({}, {"--flow", "one-line"});
    expect_completed(o);
    EXPECT_EQ(o.summary.value("max_command_slots_used", 0), 1) << "one line in flight never queues two";
}

TEST_F(host_print, completes_with_advanced_ok) {
    auto o = print({"--advanced-ok"});
    expect_completed(o);
    EXPECT_NE(o.run.out.find("ADVANCED_OK"), std::string::npos);
}

TEST_F(host_print, checksum_error_is_resent_exactly_once) {
    auto o = print({"--fault", "checksum@200"}, {"--flow", "one-line"});
    expect_completed(o);
    EXPECT_EQ(o.run.result["link"].value("resend_requests", -1), 1);
    EXPECT_EQ(o.run.result["link"].value("resent", -1), 1);
    EXPECT_EQ(o.summary.value("checksum_errors", -1), 1);
}

TEST_F(host_print, duplicate_resends_from_lines_in_flight_do_not_loop) {
    auto o = print({"--fault", "checksum@200"});
    expect_completed(o);
    const auto& link = o.run.result["link"];
    const int requests = link.value("resend_requests", -1);
    // Lines already in flight behind the bad one each cause another Resend for it;
    // they are recognised as echoes, and the host rewinds once.
    EXPECT_EQ(requests, o.summary.value("resends_requested", -2));
    EXPECT_EQ(link.value("duplicate_resends_ignored", -1), requests - 1);
    EXPECT_EQ(link.value("resent", -1), requests);
}

TEST_F(host_print, resend_without_a_following_ok_set_up_for_that_firmware) {
    auto o = print({"--fault", "checksum@200", "--fault", "checksum@400", "--fault", "no-ok-after-resend"},
                   {"--resend-ok", "no-ok"});
    expect_completed(o);
    EXPECT_EQ(o.run.out.find("event timeout"), std::string::npos) << o.run.out;
}

TEST_F(host_print, resend_without_a_following_ok_on_default_settings_recovers_by_timeout) {
    // Expecting Marlin's ok after the Resend, the host waits for one answer too many;
    // the timeout's probe clears it, and not a line is lost or doubled.
    auto o = print({"--fault", "checksum@200", "--fault", "no-ok-after-resend"}, {"--flow", "one-line", "--timeout", "2"});
    expect_completed(o);
    EXPECT_NE(o.run.out.find("event timeout"), std::string::npos) << o.run.out;
}

TEST_F(host_print, the_same_line_rejected_again_and_again_fails_with_an_emergency_stop) {
    auto o = print({"--fault", "resend-loop@200"});
    expect_stopped(o, "failed");
    EXPECT_NE(o.run.result.value("reason", "").find("rejected"), std::string::npos) << o.run.out;
    EXPECT_TRUE(o.summary.value("killed", false)) << "M112 reached the firmware";
    EXPECT_EQ(count_executed(o.log, "M112"), 1);
}

TEST_F(host_print, a_resend_older_than_the_history_aborts_in_order) {
    auto o = print({"--fault", "resend-old@200:3"});
    expect_stopped(o, "failed");
    EXPECT_NE(o.run.result.value("reason", "").find("asked for line 3"), std::string::npos) << o.run.out;
    EXPECT_FALSE(o.summary.value("killed", true)) << "a controlled abort, not an emergency stop";
    EXPECT_GE(count_executed(o.log, "M104 T0 S0"), 1) << "heaters switched off after the abort";
    EXPECT_GE(count_executed(o.log, "M140 S0"), 1);
}

TEST_F(host_print, a_lost_ok_times_out_probes_and_continues) {
    auto o = print({"--fault", "drop-ok@200"}, {"--timeout", "2"});
    expect_completed(o);
    EXPECT_NE(o.run.out.find("event timeout"), std::string::npos) << o.run.out;
    EXPECT_GE(count_executed(o.log, "M105"), 1) << "the probe";
}

// DISABLED: a known bug, open on issue 2. When the board resets with part of a line in
// its receive buffer, that fragment merges with the host's first line after the new
// handshake; the stale ok / Resend it causes makes the host take the wrong ok as M115's,
// or abort the handshake's queue, so autoreport is not always re-armed. The job is
// interrupted correctly and nothing runs twice; re-enable once the handshake is fixed.
TEST_F(host_print, a_firmware_reset_interrupts_the_job_and_rearms_autoreport) {
    auto o = print({"--fault", "reset@200"}, {"--reconnect-wait", "30", "--terminal"});
    expect_stopped(o, "interrupted");
    EXPECT_TRUE(o.run.result.value("reconnected", false)) << o.run.out;
    EXPECT_EQ(o.summary.value("resets", 0), 1);
    EXPECT_EQ(count_executed(o.log, "M155 S2"), 2) << "autoreport armed again after the reset\n" << o.run.out;
    EXPECT_EQ(count_executed(o.log, "M115"), 2) << "the firmware was identified again";
}

TEST_F(host_print, thermal_runaway_fails_the_job_and_closes_the_link) {
    auto o = print({"--fault", "thermal-runaway@200"});
    expect_stopped(o, "failed");
    EXPECT_NE(o.run.out.find("event alert"), std::string::npos) << o.run.out;
    EXPECT_NE(o.run.result.value("reason", "").find("Thermal Runaway"), std::string::npos) << o.run.out;
}

TEST_F(host_print, a_vanished_port_stops_the_job_journaled_and_reconnects) {
    auto o = print({"--fault", "vanish@200:2"}, {"--reconnect-wait", "30"});
    expect_stopped(o, "interrupted");
    EXPECT_TRUE(o.run.result.value("reconnected", false)) << o.run.out;
    EXPECT_GT(o.run.result.value("file_line_acked", 0), 0) << "where the job stopped is recorded";
    EXPECT_NE(o.run.out.find("event reconnected"), std::string::npos) << o.run.out;
}

TEST_F(host_print, busy_for_sixty_seconds_during_homing_does_not_time_out) {
    // G28 is the job's first command, line 3 after M115 and M155.
    std::ofstream(job_file, std::ios::trunc) << "G28\n";
    job = write_job(dir / "rest.gcode", 50);
    std::ofstream(job_file, std::ios::app) << read_file(dir / "rest.gcode");
    auto o = print({"--fault", "busy@3:60"});
    expect_completed(o);
    EXPECT_EQ(o.run.out.find("event timeout"), std::string::npos) << o.run.out;
}

TEST_F(host_print, a_disconnected_thermistor_stops_the_job_and_switches_heaters_off) {
    // The host's own watchdog, not the firmware: the reading drops to -14 C.
    auto o = print({"--fault", "heater-fault@200"});
    expect_stopped(o, "failed");
    EXPECT_NE(o.run.out.find("thermal watchdog"), std::string::npos) << o.run.out;
    EXPECT_GE(count_executed(o.log, "M104 T0 S0"), 1) << "hotend switched off";
    EXPECT_GE(count_executed(o.log, "M140 S0"), 1) << "bed switched off";
    EXPECT_FALSE(o.summary.value("killed", true)) << "a controlled stop, not M112";
}
