// kill -9 of the edge mid-print: after a restart the history shows the job interrupted at
// the last acknowledged line that was checkpointed, with the Z the file had there.
#include "../printer/host_harness.hpp"
#include "edge_harness.hpp"

#include <csignal>
#include <sstream>

using namespace edge_test;
using printgate::testing::executed_moves;
using printgate::testing::simulator;

namespace {

// The Z in force at `line` (1-based) of the file: the last "G1 Z" at or before it.
double z_at_line(const std::string& gcode, std::uint64_t line) {
    std::istringstream in(gcode);
    std::string text;
    double z = -1;
    for (std::uint64_t n = 1; n <= line && std::getline(in, text); ++n)
        if (text.rfind("G1 Z", 0) == 0) z = std::stod(text.substr(4));
    return z;
}

}  // namespace

TEST(edge_crash, kill_mid_print_shows_interrupted_at_the_right_line) {
    temp_dir dir;
    auto state = dir / "state";
    simulator sim(dir, {});
    ASSERT_TRUE(sim.ready()) << sim.err();
    auto cfg = dir / "edge.toml";
    printgate::testing::write_file(cfg, "[http]\nport = 0\n[printer]\nport = \"" + sim.link().string() +
                                            "\"\n[history]\ncheckpoint_interval_ms = 50\n");
    const std::string job = gcode_job(3000, 3000);  // about 2 minutes: killed long before its end
    std::uint64_t last_line = 0;
    {
        edge_process edge(dir, {"--config", cfg.string(), "--state-dir", state.string()}, "edge1");
        ASSERT_TRUE(edge.ready()) << edge.log();
        ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();
        ASSERT_EQ(upload(edge.port(), "/api/v1/files", "long.gcode", job).status, 201);
        ASSERT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"long.gcode"})").status, 200);
        ASSERT_TRUE(edge.wait_for("/api/v1/job", [](const nlohmann::json& j) { return j.value("file_line", 0) > 120; }));
        // A checkpoint has been written when the history shows a line (the database is
        // read by a second connection, as after a restart).
        ASSERT_TRUE(edge.wait_for("/api/v1/history", [](const nlohmann::json& h) {
            return !h["jobs"].empty() && h["jobs"][0].value("last_line", 0) > 100;
        }));
        edge.process().signal(SIGKILL);
        edge.process().wait(patience);
    }
    // What the printer executed bounds what may have been acknowledged.
    const auto executed = executed_moves(sim.log());
    edge_process edge(dir, {"--config", cfg.string(), "--state-dir", state.string()}, "edge2");
    ASSERT_TRUE(edge.ready()) << edge.log();
    auto jobs = edge.get("/api/v1/history")["jobs"];
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0]["status"], "interrupted");
    EXPECT_EQ(jobs[0]["file"], "long.gcode");
    last_line = jobs[0].value("last_line", 0u);
    EXPECT_GT(last_line, 100u);
    // Moves in the file up to that line all ran on the printer.
    std::istringstream in(job);
    std::string text;
    std::size_t moves_before = 0;
    for (std::uint64_t n = 1; n <= last_line && std::getline(in, text); ++n)
        if (text.rfind("G1 X", 0) == 0) ++moves_before;
    EXPECT_LE(moves_before, executed.size());
    ASSERT_FALSE(jobs[0]["last_z"].is_null());
    EXPECT_NEAR(jobs[0]["last_z"].get<double>(), z_at_line(job, last_line), 1e-6);
    EXPECT_NE(jobs[0].value("cause", "").find("killed"), std::string::npos);

    // Resume from its layer: opt-in, with the preamble the owner is shown first.
    const auto id = std::to_string(jobs[0].value("id", 0));
    auto plan = request(edge.port(), "GET", "/api/v1/history/" + id + "/resume");
    ASSERT_EQ(plan.status, 200) << plan.body;
    const auto p = plan.json();
    EXPECT_LE(p.value("start_line", 0u), last_line);
    EXPECT_NEAR(p.value("layer_z", -1.0), z_at_line(job, p.value("start_line", 0u) + 1), 1e-6);
    const auto preamble = p.value("preamble", "");
    EXPECT_NE(preamble.find("G28 X Y\n"), std::string::npos) << preamble;
    EXPECT_EQ(preamble.find("G28\n"), std::string::npos) << "Z is never homed over a print";
    EXPECT_NE(preamble.find("M83\n"), std::string::npos) << "the job's relative extrusion is restored";
    EXPECT_FALSE(p["warnings"].empty());
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/history/" + id + "/resume", "{}").status, 400);
    ASSERT_TRUE(edge.wait_for("/api/v1/state", operational));
    auto go = request(edge.port(), "POST", "/api/v1/history/" + id + "/resume", R"({"confirm":true})");
    ASSERT_EQ(go.status, 200) << go.body;
    const auto resumed = printgate::testing::read_file(state / "files" / go.json().value("file", "?"));
    EXPECT_EQ(resumed.rfind(preamble, 0), 0u);
    // After the preamble: the original file from the layer's first line, unchanged.
    std::istringstream rest(job);
    std::string tail;
    for (std::uint64_t n = 1; std::getline(rest, text); ++n)
        if (n >= p.value("start_line", 0u)) tail += text + "\n";
    EXPECT_EQ(resumed.substr(preamble.size()), tail);
    EXPECT_TRUE(edge.wait_for("/api/v1/job", [](const nlohmann::json& j) { return j.value("active", false); }));
}
