// printer_host in-process against printgate-sim: what a user does while a printer is
// connected: pause and resume with park, cancel, emergency stop with a full buffer, SD
// card printing, several tools, and a printer behind a TCP serial bridge.
#include "host_harness.hpp"
#include "printgate/printer/printer_host.hpp"

#include <boost/asio/io_context.hpp>

using namespace printgate::testing;
using namespace printgate::printer;
namespace net = boost::asio;

namespace {

class host_control : public ::testing::Test {
protected:
    temp_dir dir;
    net::io_context io;
    std::vector<host_event> events;
    std::vector<job_result> results;
    std::vector<sd_file> sd_files;
    std::vector<heater_reading> temps;
    std::uint64_t sd_done = 0, sd_total = 0;

    std::unique_ptr<printer_host> make_host(const std::string& port) {
        host_config cfg;
        cfg.port = port;
        cfg.auto_reconnect = false;
        cfg.park_x = 5;
        cfg.park_y = 5;
        host_callbacks cb;
        cb.on_event = [this](const host_event& e) { events.push_back(e); };
        cb.on_job_done = [this](const job_result& r) { results.push_back(r); };
        cb.on_sd_files = [this](const std::vector<sd_file>& f) { sd_files = f; };
        cb.on_sd_progress = [this](std::uint64_t d, std::uint64_t t) { sd_done = d, sd_total = t; };
        cb.on_temperatures = [this](const std::vector<heater_reading>& t) { temps = t; };
        return std::make_unique<printer_host>(io.get_executor(), cfg, cb);
    }
    // A host started on `port` and brought to operational (null when it did not get there).
    std::unique_ptr<printer_host> connect(const std::string& port) {
        auto host = make_host(port);
        host->start();
        if (!run_until([&] { return host->state() == host_state::operational; })) {
            ADD_FAILURE() << "the host did not become operational on " << port;
            shut_down(*host);
            return nullptr;
        }
        return host;
    }
    bool run_until(const std::function<bool()>& done, std::chrono::seconds limit = std::chrono::seconds(60)) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            io.run_for(std::chrono::milliseconds(10));
        }
        return true;
    }
    void shut_down(printer_host& host) {
        host.stop();
        run_until([&] { return host.state() == host_state::disconnected || host.state() == host_state::error; },
                  std::chrono::seconds(10));
        io.run_for(std::chrono::milliseconds(200));
    }
    std::unique_ptr<job_streamer> open_job(const std::filesystem::path& file) {
        std::error_code ec;
        std::string why;
        auto job = job_streamer::open(file, ec, why);
        EXPECT_TRUE(job) << why;
        return job;
    }
};

}  // namespace

TEST_F(host_control, pause_parks_and_resume_restores_the_position) {
    auto job_file = dir / "job.gcode";
    auto job = write_job(job_file, 800);
    simulator sim(dir, {});
    ASSERT_TRUE(sim.ready());
    auto host = connect(sim.link().string());
    ASSERT_TRUE(host);
    std::string why;
    ASSERT_TRUE(host->start_job(open_job(job_file), why)) << why;
    ASSERT_TRUE(run_until([&] { return host->job()->progress().commands_acked > 200; }));
    ASSERT_TRUE(host->pause_job(why)) << why;
    ASSERT_TRUE(run_until([&] { return host->state() == host_state::paused; }));
    const auto acked_at_pause = host->job()->progress().commands_acked;
    io.run_for(std::chrono::milliseconds(300));
    EXPECT_EQ(host->job()->progress().commands_acked, acked_at_pause) << "nothing of the job runs while paused";
    ASSERT_TRUE(host->resume_job(why)) << why;
    ASSERT_TRUE(run_until([&] { return !results.empty(); }));
    EXPECT_EQ(results[0].status, job_status::completed);
    shut_down(*host);
    sim.stop();

    auto log = sim.log();
    expect_prefix_executed_once(job, executed_moves(log), job.size());
    // The park: retract, lift, move to the park position; then back, down, unretract.
    EXPECT_EQ(count_executed(log, "M114"), 1);
    EXPECT_EQ(count_executed(log, "G1 E-2.000"), 1);
    EXPECT_EQ(count_executed(log, "G1 Z10.000"), 1);
    EXPECT_EQ(count_executed(log, "G1 X5.000 Y5.000"), 1);
    EXPECT_EQ(count_executed(log, "G1 E2.000"), 1);
    // Between the park and the next move of the job: back to Z, then unretract.
    auto find = [&](const std::string& prefix, std::size_t from) {
        for (std::size_t i = from; i < log.size(); ++i)
            if (log[i].text.starts_with(prefix)) return i;
        return log.size();
    };
    const auto park = find("G1 X5.000 Y5.000", 0);
    const auto unretract = find("G1 E2.000", park);
    std::size_t next_move = park;
    while (next_move < log.size() && !(log[next_move].text.starts_with("G1 X") && log[next_move].text.find(" E") != std::string::npos))
        ++next_move;
    ASSERT_LT(park, log.size());
    EXPECT_LT(find("G1 Z", park), unretract) << "Z restored before the unretract";
    EXPECT_LT(unretract, next_move) << "position restored before the job goes on";
}

TEST_F(host_control, cancel_stops_feeding_and_switches_everything_off) {
    auto job_file = dir / "job.gcode";
    auto job = write_job(job_file, 2000);
    simulator sim(dir, {});
    ASSERT_TRUE(sim.ready());
    auto host = connect(sim.link().string());
    ASSERT_TRUE(host);
    std::string why;
    ASSERT_TRUE(host->start_job(open_job(job_file), why));
    ASSERT_TRUE(run_until([&] { return host->job()->progress().commands_acked > 100; }));
    ASSERT_TRUE(host->cancel_job(why));
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].status, job_status::cancelled);
    ASSERT_TRUE(run_until([&] { return host->drained(); }));
    shut_down(*host);
    sim.stop();
    auto log = sim.log();
    auto executed = executed_moves(log);
    EXPECT_LT(executed.size(), job.size());
    expect_prefix_executed_once(job, executed, executed.size());
    EXPECT_EQ(count_executed(log, "M104 T0 S0"), 1);
    EXPECT_EQ(count_executed(log, "M140 S0"), 1);
    EXPECT_EQ(count_executed(log, "M84"), 1);
}

TEST_F(host_control, emergency_stop_reaches_a_firmware_whose_buffers_are_full) {
    // Long slow moves fill the planner and the command queue; M112 still acts at once.
    auto job_file = dir / "slow.gcode";
    {
        std::ofstream out(job_file);
        out << "G90\n";
        for (int i = 0; i < 200; ++i) out << "G1 X" << (i % 2 ? 200 : 0) << " Y" << i << " F300\n";
    }
    simulator sim(dir, {});
    ASSERT_TRUE(sim.ready());
    auto host = connect(sim.link().string());
    ASSERT_TRUE(host);
    std::string why;
    ASSERT_TRUE(host->start_job(open_job(job_file), why));
    ASSERT_TRUE(run_until([&] { return host->sender().lines_in_flight() > 0; }));
    io.run_for(std::chrono::milliseconds(500));
    ASSERT_GT(host->sender().lines_in_flight(), 0u) << "the firmware is busy with the slow moves";
    host->emergency_stop("test");
    ASSERT_TRUE(run_until([&] { return host->drained(); }, std::chrono::seconds(10)));
    EXPECT_EQ(host->state(), host_state::error);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].status, job_status::failed);
    shut_down(*host);
    auto summary = sim.stop();
    EXPECT_TRUE(summary.value("killed", false));
    EXPECT_LT(count_executed(sim.log(), "G1 X"), 200) << "the job did not run to its end";
}

TEST_F(host_control, sd_card_list_print_progress_and_done) {
    auto sd = dir / "cube.gco";
    {
        std::ofstream out(sd);
        for (int i = 0; i < 300; ++i) out << "G1 X" << i % 20 << " Y" << i / 20 << " F6000\n";
    }
    simulator sim(dir, {"--sd-file", "CUBE.GCO:" + sd.string()});
    ASSERT_TRUE(sim.ready());
    auto host = connect(sim.link().string());
    ASSERT_TRUE(host);
    std::string why;
    ASSERT_TRUE(host->sd_list(why));
    ASSERT_TRUE(run_until([&] { return !sd_files.empty(); }));
    EXPECT_EQ(sd_files[0].name, "CUBE.GCO");
    EXPECT_EQ(sd_files[0].size, std::filesystem::file_size(sd));
    ASSERT_TRUE(host->sd_print("CUBE.GCO", why)) << why;
    ASSERT_TRUE(run_until([&] {
        return std::any_of(events.begin(), events.end(), [](const host_event& e) { return e.what == host_event::kind::sd_done; });
    }));
    EXPECT_FALSE(host->sd_printing());
    EXPECT_GT(sd_total, 0u) << "progress was reported";
    shut_down(*host);
    sim.stop();
    EXPECT_EQ(count_executed(sim.log(), "G1 X"), 300);
}

TEST_F(host_control, temperatures_of_every_tool_bed_and_chamber) {
    simulator sim(dir, {"--extruders", "2", "--chamber"});
    ASSERT_TRUE(sim.ready());
    auto host = connect(sim.link().string());
    ASSERT_TRUE(host);
    std::string why;
    ASSERT_TRUE(host->send_command("M104 T1 S150", why));
    ASSERT_TRUE(run_until([&] {
        for (const auto& h : temps)
            if (h.name == "T1" && h.target && *h.target == 150) return true;
        return false;
    }));
    std::vector<std::string> names;
    for (const auto& h : temps) names.push_back(h.name);
    std::sort(names.begin(), names.end());
    EXPECT_EQ(names, (std::vector<std::string>{"B", "C", "T0", "T1"}));
    shut_down(*host);
    sim.stop();
}

TEST_F(host_control, a_printer_behind_a_tcp_serial_bridge) {
    auto job_file = dir / "job.gcode";
    auto job = write_job(job_file, 300);
    child_process sim({PRINTGATE_SIM_BIN, "--tcp", "127.0.0.1:0", "--log", (dir / "tcp.log").string()},
                      dir / "tcp.out", dir / "tcp.err");
    ASSERT_TRUE(wait_until([&] { return sim.out().find("tcp=") != std::string::npos; }, std::chrono::seconds(20)));
    auto out = sim.out();
    auto at = out.find("tcp=") + 4;
    std::string address = out.substr(at, out.find_first_of(" \n", at) - at);
    auto host = connect("tcp://" + address);
    ASSERT_TRUE(host);
    std::string why;
    ASSERT_TRUE(host->start_job(open_job(job_file), why));
    ASSERT_TRUE(run_until([&] { return !results.empty(); }));
    EXPECT_EQ(results[0].status, job_status::completed);
    shut_down(*host);
    sim.stop();
    expect_prefix_executed_once(job, executed_moves(read_sim_log(dir / "tcp.log")), job.size());
}

TEST_F(host_control, a_missing_port_is_a_clear_error) {
    auto host = make_host((dir / "no-such-tty").string());
    host->start();
    ASSERT_TRUE(run_until([&] { return !events.empty(); }, std::chrono::seconds(10)));
    EXPECT_EQ(events[0].what, host_event::kind::disconnected);
    EXPECT_NE(events[0].message.find("no-such-tty"), std::string::npos) << events[0].message;
    shut_down(*host);
}
