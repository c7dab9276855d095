// printgate-edge run --demo against the real printgate-sim: upload, print, pause, resume,
// cancel, and the history rows they leave; the slicer-style OctoPrint upload.
#include "edge_harness.hpp"

using namespace edge_test;

namespace {

class edge_print : public ::testing::Test {
protected:
    temp_dir dir;
    fs::path state = dir / "state";
    edge_process edge{dir, demo_args(dir, state)};

    void SetUp() override {
        ASSERT_TRUE(edge.ready()) << edge.log();
        ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();
    }
    std::string state_name() { return edge.get("/api/v1/state")["state"].value("state", ""); }
    nlohmann::json last_history() {
        auto h = edge.get("/api/v1/history");
        return h["jobs"].empty() ? nlohmann::json() : h["jobs"][0];
    }
};

}  // namespace

TEST_F(edge_print, upload_print_and_complete) {
    auto up = upload(edge.port(), "/api/v1/files", "small.gcode", gcode_job(20));
    ASSERT_EQ(up.status, 201) << up.body;
    EXPECT_TRUE(fs::exists(state / "files" / "small.gcode"));
    auto files = edge.get("/api/v1/files");
    ASSERT_EQ(files["files"].size(), 1u) << files;
    EXPECT_EQ(files["files"][0]["path"], "small.gcode");

    auto start = request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"small.gcode"})");
    ASSERT_EQ(start.status, 200) << start.body;
    ASSERT_TRUE(edge.wait_for("/api/v1/history", [](const nlohmann::json& h) {
        return !h["jobs"].empty() && h["jobs"][0].value("status", "") == "completed";
    })) << edge.log();
    auto row = last_history();
    EXPECT_EQ(row["file"], "small.gcode");
    EXPECT_GT(row.value("last_line", 0), 20);
    auto totals = edge.get("/api/v1/history/totals");
    EXPECT_EQ(totals.value("completed", 0), 1);

    auto download = request(edge.port(), "GET", "/api/v1/files/small.gcode");
    EXPECT_EQ(download.status, 200);
    EXPECT_EQ(download.body, gcode_job(20));

    // Metadata comes from the analysis, kept until the file changes.
    auto meta = edge.get("/api/v1/metadata/small.gcode");
    EXPECT_EQ(meta.value("layer_count", 0), 1) << meta;
    EXPECT_EQ(edge.get("/api/v1/metadata/small.gcode"), meta);
    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "small.gcode", gcode_job(120)).status, 201);
    EXPECT_EQ(edge.get("/api/v1/metadata/small.gcode").value("layer_count", 0), 3);
    EXPECT_EQ(request(edge.port(), "GET", "/api/v1/metadata/none.gcode").status, 404);
}

TEST_F(edge_print, pause_resume_cancel) {
    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "long.gcode", gcode_job(3000, 600)).status, 201);
    ASSERT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"long.gcode"})").status, 200);
    ASSERT_TRUE(edge.wait_for("/api/v1/job", [](const nlohmann::json& j) { return j.value("commands_acked", 0) > 10; }));

    auto pause = request(edge.port(), "POST", "/api/v1/job", R"({"action":"pause"})");
    ASSERT_EQ(pause.status, 200) << pause.body;
    ASSERT_TRUE(wait_until([&] { return state_name() == "paused"; }, patience)) << state_name();
    const auto acked = edge.get("/api/v1/job").value("commands_acked", 0);
    auto resume = request(edge.port(), "POST", "/api/v1/job", R"({"action":"resume"})");
    ASSERT_EQ(resume.status, 200) << resume.body;
    ASSERT_TRUE(edge.wait_for("/api/v1/job", [&](const nlohmann::json& j) { return j.value("commands_acked", 0) > acked + 5; }));
    EXPECT_EQ(state_name(), "printing");
    auto job = edge.get("/api/v1/job");
    EXPECT_EQ(job["file"], "long.gcode");
    EXPECT_GT(job.value("fraction", 0.0), 0.0);

    auto cancel = request(edge.port(), "POST", "/api/v1/job", R"({"action":"cancel"})");
    ASSERT_EQ(cancel.status, 200) << cancel.body;
    ASSERT_TRUE(edge.wait_for("/api/v1/history", [](const nlohmann::json& h) {
        return !h["jobs"].empty() && h["jobs"][0].value("status", "") == "cancelled";
    })) << edge.log();
    EXPECT_LT(last_history().value("last_line", 1u << 30), 3000u);
    // Nothing to pause any more.
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"pause"})").status, 409);
}

TEST_F(edge_print, slicer_upload_with_print_starts_the_print) {
    const std::string key = printgate::testing::read_file(state / "api_key").substr(0, 48);
    ASSERT_EQ(key.size(), 48u);
    auto version = request(edge.port(), "GET", "/api/version", {}, {}, "X-Api-Key: " + key + "\r\n");
    EXPECT_EQ(version.status, 200);
    EXPECT_EQ(request(edge.port(), "GET", "/api/version").status, 401);
    EXPECT_EQ(request(edge.port(), "GET", "/api/version", {}, {}, "X-Api-Key: wrong\r\n").status, 401);
    EXPECT_EQ(upload(edge.port(), "/api/files/local", "x.gcode", gcode_job(5), {{"print", "true"}}).status, 401);
    EXPECT_FALSE(fs::exists(state / "files" / "x.gcode"));

    auto up = upload(edge.port(), "/api/files/local", "benchy.gcode", gcode_job(2000, 600),
                     {{"path", "slicer"}, {"select", "true"}, {"print", "true"}}, "X-Api-Key: " + key + "\r\n");
    ASSERT_EQ(up.status, 201) << up.body;
    ASSERT_TRUE(up.json().is_object()) << up.head << up.body;
    EXPECT_EQ(up.json()["files"]["local"]["path"], "slicer/benchy.gcode");
    EXPECT_TRUE(up.json().value("printing", false)) << up.body;
    auto job = request(edge.port(), "GET", "/api/job", {}, {}, "X-Api-Key: " + key + "\r\n");
    EXPECT_EQ(job.json()["job"]["file"]["name"], "slicer/benchy.gcode") << job.body;
    auto printer = request(edge.port(), "GET", "/api/printer", {}, {}, "X-Api-Key: " + key + "\r\n");
    EXPECT_TRUE(printer.json()["state"]["flags"].value("printing", false) || printer.json()["state"]["flags"].value("paused", false)) << printer.body;
    auto cancel = request(edge.port(), "POST", "/api/job", R"({"command":"cancel"})", "application/json", "X-Api-Key: " + key + "\r\n");
    EXPECT_EQ(cancel.status, 204) << cancel.body;
    ASSERT_TRUE(edge.wait_for("/api/v1/history", [](const nlohmann::json& h) {
        return !h["jobs"].empty() && h["jobs"][0].value("status", "") == "cancelled";
    }));
}

TEST_F(edge_print, malformed_commands_change_nothing) {
    auto before = edge.get("/api/v1/temperatures");
    for (const char* bad : {R"(not json)", R"({"type":"temperature_control","action":"set_hotend","parameters":{"temperature":999}})",
                            R"({"type":"temperature_control","action":"set_hotend"})",
                            R"({"type":"movement_control","action":"jog","parameters":{"axes":{"x":5000}}})",
                            R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"../../etc/passwd"}})"}) {
        auto r = request(edge.port(), "POST", "/api/v1/command", bad);
        EXPECT_EQ(r.status, 400) << bad;
        EXPECT_EQ(r.json().value("type", ""), "error") << r.body;
        EXPECT_TRUE(r.json()["data"].contains("field")) << r.body;
    }
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/command",
                      R"({"type":"temperature_control","action":"set_hotend","parameters":{"temperature":999},"id":"a1"})")
                  .json()
                  .value("id", ""),
              "a1");
    EXPECT_EQ(edge.get("/api/v1/history")["jobs"].size(), 0u);
    // Another site's page can post text/plain to the loopback listener without asking first
    // (no CORS preflight): a JSON write without the JSON content type is refused.
    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "small.gcode", gcode_job(20)).status, 201);
    for (const char* type : {"text/plain", "application/x-www-form-urlencoded", ""}) {
        auto start = request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"small.gcode"})", type);
        EXPECT_EQ(start.status, 415) << type << " " << start.body;
        auto heat = request(edge.port(), "POST", "/api/v1/command",
                            R"({"type":"temperature_control","action":"set_bed","parameters":{"temperature":45}})", type);
        EXPECT_EQ(heat.status, 415) << type << " " << heat.body;
    }
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/connection", R"({"action":"disconnect"})", "text/plain").status, 415);
    EXPECT_EQ(state_name(), "operational");
    EXPECT_EQ(edge.get("/api/v1/history")["jobs"].size(), 0u);
    auto ok = request(edge.port(), "POST", "/api/v1/command",
                      R"({"type":"temperature_control","action":"set_bed","parameters":{"temperature":40}})",
                      "application/json; charset=utf-8");
    EXPECT_EQ(ok.status, 200) << ok.body;
    ASSERT_TRUE(edge.wait_for("/api/v1/temperatures", [](const nlohmann::json& t) {
        return t["heaters"].contains("B") && t["heaters"]["B"]["target"] == 40.0;
    })) << edge.get("/api/v1/temperatures") << before;
}

// "/": the printer's home page, its status texts (the same words as the relay's printers
// page) and its script, before and during a print.
TEST_F(edge_print, home_page_shows_the_printer_and_its_job) {
    auto page = request(edge.port(), "GET", "/");
    ASSERT_EQ(page.status, 200) << page.body;
    EXPECT_NE(page.head.find("Content-Type: text/html; charset=utf-8"), std::string::npos) << page.head;
    EXPECT_NE(page.head.find("Content-Security-Policy: default-src 'none'; script-src 'self'"), std::string::npos) << page.head;
    EXPECT_NE(page.body.find("<h1>Generic Marlin printer</h1>"), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("<p class=\"state\" id=\"state\">operational</p>"), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("<p id=\"job\">No print is running.</p>"), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("<progress id=\"progress\" max=\"1\" hidden>"), std::string::npos) << page.body;
    // --demo streams the test camera.
    EXPECT_NE(page.body.find("<img id=\"camera\" src=\"/webcam/?action=stream\""), std::string::npos) << page.body;

    ASSERT_TRUE(edge.wait_for("/home/status", [](const nlohmann::json& s) {
        return s.value("temperatures", "").find("T0 ") != std::string::npos;
    })) << edge.get("/home/status");
    auto idle = edge.get("/home/status");
    EXPECT_EQ(idle.value("state", ""), "operational") << idle;
    EXPECT_EQ(idle.value("job", ""), "No print is running.") << idle;
    EXPECT_TRUE(idle["fraction"].is_null()) << idle;
    EXPECT_EQ(idle["actions"], nlohmann::json::array()) << idle;

    auto script = request(edge.port(), "GET", "/home.js");
    EXPECT_EQ(script.status, 200);
    EXPECT_NE(script.head.find("Content-Type: text/javascript"), std::string::npos) << script.head;
    EXPECT_NE(script.body.find("/home/status"), std::string::npos);
    EXPECT_EQ(request(edge.port(), "GET", "/home.css").status, 200);
    // Links back to a relay come only from a tunnel stream's headers, never from a client's.
    auto spoofed = request(edge.port(), "GET", "/", {}, {}, "X-Forwarded-Host: printer1.evil.example\r\nX-Printgate-User: mallory\r\n");
    EXPECT_EQ(spoofed.status, 200);
    EXPECT_EQ(spoofed.body.find("<nav>"), std::string::npos) << spoofed.body;
    EXPECT_EQ(spoofed.body.find("evil"), std::string::npos) << spoofed.body;
    EXPECT_EQ(spoofed.body.find("mallory"), std::string::npos) << spoofed.body;
    EXPECT_EQ(request(edge.port(), "POST", "/", "{}").status, 405);
    EXPECT_EQ(request(edge.port(), "GET", "/home/other").status, 404);

    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "long.gcode", gcode_job(3000, 600)).status, 201);
    ASSERT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"long.gcode"})").status, 200);
    ASSERT_TRUE(edge.wait_for("/home/status", [](const nlohmann::json& s) {
        return s["fraction"].is_number() && s.value("job", "").find(", layer ") != std::string::npos;
    })) << edge.get("/home/status");
    auto busy = edge.get("/home/status");
    EXPECT_EQ(busy.value("state", "").rfind("printing", 0), 0u) << busy;
    EXPECT_EQ(busy.value("job", "").rfind("long.gcode: ", 0), 0u) << busy;
    EXPECT_GE(busy.value("fraction", -1.0), 0.0);
    EXPECT_LE(busy.value("fraction", 2.0), 1.0);
    EXPECT_EQ(busy["actions"], nlohmann::json({"pause", "cancel"})) << busy;
    page = request(edge.port(), "GET", "/");
    EXPECT_NE(page.body.find("<p id=\"job\">long.gcode: "), std::string::npos) << page.body;
    EXPECT_NE(page.body.find("<progress id=\"progress\" max=\"1\" value=\""), std::string::npos) << page.body;

    ASSERT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"cancel"})").status, 200);
    ASSERT_TRUE(edge.wait_for("/home/status", [](const nlohmann::json& s) {
        return s.value("job", "") == "No print is running." && s.value("state", "").rfind("operational", 0) == 0;
    })) << edge.get("/home/status");
}

// What the printer is called comes from the configuration: the page shows it as text.
TEST(edge_home, the_printer_name_is_escaped) {
    temp_dir dir;
    edge_process edge(dir, demo_args(dir, dir / "state", "[profile]\nname = \"<b>Bench & Co</b>\"\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();
    auto page = request(edge.port(), "GET", "/");
    ASSERT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("<h1>&lt;b&gt;Bench &amp; Co&lt;/b&gt;</h1>"), std::string::npos) << page.body;
    EXPECT_EQ(page.body.find("<b>Bench"), std::string::npos) << page.body;
}
