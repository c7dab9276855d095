// The printer's SD card through printgate-edge run --demo and the real printgate-sim (its card
// loaded with --sd-dir): the files listed beside local ones (REST and OctoPrint), a print started
// from the card, progress from M27, pause, resume, cancel, completion, and the history rows.
#include "edge_harness.hpp"

using namespace edge_test;

namespace {

nlohmann::json find_sd(const nlohmann::json& files, const std::string& name) {
    for (const auto& f : files)
        if (f.value("origin", "") == "sdcard" && f.value("path", "") == name) return f;
    return {};
}

class edge_sdcard : public ::testing::Test {
protected:
    temp_dir dir;
    fs::path state = dir / "state";
    fs::path card = [this] {
        fs::create_directories(dir / "card");
        printgate::testing::write_file(dir / "card" / "CUBE.GCO", gcode_job(20));
        printgate::testing::write_file(dir / "card" / "LONG.GCO", gcode_job(3000, 600));
        return dir / "card";
    }();
    edge_process edge{dir, demo_args(dir, state, {}, {"--sd-dir", card.string()})};
    std::string key;

    void SetUp() override {
        ASSERT_TRUE(edge.ready()) << edge.log();
        ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();
        key = printgate::testing::read_file(state / "api_key").substr(0, 48);
        // Listed when the printer connects (M20), without being asked.
        ASSERT_TRUE(edge.wait_for("/api/v1/files", [](const nlohmann::json& f) {
            return f.value("sdcard_ready", false) && !find_sd(f["files"], "LONG.GCO").is_null();
        })) << edge.log();
    }
    http_reply octoprint(const std::string& method, const std::string& target, const std::string& body = {}) {
        return request(edge.port(), method, target, body, "application/json", "X-Api-Key: " + key + "\r\n");
    }
    std::string state_name() { return edge.get("/api/v1/state")["state"].value("state", ""); }
    nlohmann::json last_history() {
        auto h = edge.get("/api/v1/history");
        return h["jobs"].empty() ? nlohmann::json() : h["jobs"][0];
    }
};

}  // namespace

TEST_F(edge_sdcard, card_files_are_listed_beside_local_ones) {
    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "local.gcode", gcode_job(5)).status, 201);
    auto files = edge.get("/api/v1/files")["files"];
    auto cube = find_sd(files, "CUBE.GCO");
    ASSERT_FALSE(cube.is_null()) << files;
    EXPECT_EQ(cube.value("size", 0u), gcode_job(20).size());
    bool local = false;
    for (const auto& f : files) local |= f.value("path", "") == "local.gcode" && f.value("origin", "") == "local";
    EXPECT_TRUE(local) << files;

    auto sd = octoprint("GET", "/api/files/sdcard");
    ASSERT_EQ(sd.status, 200) << sd.body;
    const auto sd_files = sd.json()["files"];
    ASSERT_EQ(sd_files.size(), 2u) << sd.body;
    for (const auto& f : sd_files) EXPECT_EQ(f.value("origin", ""), "sdcard");
    auto all = octoprint("GET", "/api/files").json()["files"];
    EXPECT_EQ(all.size(), 3u) << all;
    auto only_local = octoprint("GET", "/api/files/local").json()["files"];
    ASSERT_EQ(only_local.size(), 1u) << only_local;
    EXPECT_EQ(only_local[0].value("name", ""), "local.gcode");
    EXPECT_EQ(octoprint("GET", "/api/files/sdcard").status, 200);
    EXPECT_EQ(request(edge.port(), "GET", "/api/files/sdcard").status, 401);  // the OctoPrint subset wants the key
    EXPECT_TRUE(octoprint("GET", "/api/printer/sd").json().value("ready", false));
    EXPECT_TRUE(octoprint("GET", "/api/printer").json()["state"]["flags"].value("sdReady", false));

    // Refreshed on request too.
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/sdcard/refresh").status, 202);
    EXPECT_EQ(octoprint("POST", "/api/printer/sd", R"({"command":"refresh"})").status, 204);
    EXPECT_EQ(octoprint("POST", "/api/printer/sd", R"({"command":"eject"})").status, 400);

    // Names the card does not hold start nothing.
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"NONE.GCO","origin":"sdcard"})").status, 404);
    EXPECT_EQ(octoprint("POST", "/api/files/sdcard/NONE.GCO", R"({"command":"select","print":true})").status, 404);
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"CUBE.GCO","origin":7})").status, 400);
    EXPECT_EQ(octoprint("POST", "/api/files/sdcard/CUBE.GCO", R"({"command":"select"})").status, 409);
    EXPECT_EQ(edge.get("/api/v1/job").value("active", true), false);
    EXPECT_TRUE(edge.get("/api/v1/history")["jobs"].empty());
}

TEST_F(edge_sdcard, print_from_the_card_completes_with_a_history_row) {
    auto start = request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"cube.gco","origin":"sdcard"})");
    ASSERT_EQ(start.status, 200) << start.body;
    EXPECT_EQ(start.json().value("origin", ""), "sdcard");
    EXPECT_EQ(start.json().value("file", ""), "CUBE.GCO");  // the name as the card lists it
    ASSERT_TRUE(edge.wait_for("/api/v1/history", [](const nlohmann::json& h) {
        return !h["jobs"].empty() && h["jobs"][0].value("status", "") == "completed";
    })) << edge.log();
    auto row = last_history();
    EXPECT_EQ(row["file"], "CUBE.GCO");
    EXPECT_EQ(row["origin"], "sdcard");
    EXPECT_EQ(state_name(), "operational");
    auto last = edge.get("/api/v1/job")["last"];
    EXPECT_EQ(last.value("status", ""), "completed") << last;
    // The printer's own file cannot be resumed from here.
    EXPECT_EQ(request(edge.port(), "GET", "/api/v1/history/" + std::to_string(row.value("id", 0)) + "/resume").status, 409);
}

TEST_F(edge_sdcard, octoprint_select_and_print_then_pause_resume_cancel) {
    ASSERT_EQ(octoprint("POST", "/api/files/sdcard/LONG.GCO", R"({"command":"select","print":true})").status, 204);
    ASSERT_TRUE(wait_until([&] { return state_name() == "printing"; }, patience)) << state_name();
    auto job = octoprint("GET", "/api/job").json();
    EXPECT_EQ(job["job"]["file"].value("origin", ""), "sdcard") << job;
    EXPECT_EQ(job["job"]["file"].value("name", ""), "LONG.GCO") << job;
    // Progress comes from the firmware's M27 reports.
    ASSERT_TRUE(edge.wait_for("/api/v1/job", [](const nlohmann::json& j) { return j.value("bytes_acked", 0) > 0; })) << edge.log();
    EXPECT_EQ(edge.get("/api/v1/job").value("bytes_total", 0u), gcode_job(3000, 600).size());
    // A local print cannot start beside it.
    ASSERT_EQ(upload(edge.port(), "/api/v1/files", "other.gcode", gcode_job(5)).status, 201);
    EXPECT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"other.gcode"})").status, 409);

    ASSERT_EQ(octoprint("POST", "/api/job", R"({"command":"pause","action":"pause"})").status, 204);
    EXPECT_EQ(state_name(), "paused");
    EXPECT_EQ(octoprint("GET", "/api/job").json().value("state", ""), "Paused");
    const auto paused_at = edge.get("/api/v1/job").value("bytes_acked", 0u);
    ASSERT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"resume"})").status, 200);
    EXPECT_EQ(state_name(), "printing");
    ASSERT_TRUE(edge.wait_for("/api/v1/job", [&](const nlohmann::json& j) { return j.value("bytes_acked", 0u) > paused_at; }))
        << edge.log();

    ASSERT_EQ(request(edge.port(), "POST", "/api/v1/job", R"({"action":"cancel"})").status, 200);
    auto row = last_history();
    EXPECT_EQ(row.value("status", ""), "cancelled") << row;
    EXPECT_EQ(row.value("origin", ""), "sdcard");
    EXPECT_EQ(row.value("file", ""), "LONG.GCO");
    EXPECT_EQ(state_name(), "operational");
    // The firmware closed the file: its M27 says so, and nothing more is printed from it.
    EXPECT_TRUE(edge.wait_for("/api/v1/state", operational));
}

// The JSON command protocol's start_print with origin "sdcard" (POST /api/v1/command, the same
// parser and executor as the WebSocket, the tunnel's control stream and MQTT).
TEST_F(edge_sdcard, command_protocol_start_print_from_the_card) {
    auto command = [&](const std::string& body) { return request(edge.port(), "POST", "/api/v1/command", body); };
    auto unknown = command(
        R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"NONE.GCO","origin":"sdcard"},"id":"a"})");
    EXPECT_EQ(unknown.status, 400) << unknown.body;
    EXPECT_EQ(unknown.json().value("type", ""), "error");
    EXPECT_EQ(unknown.json()["data"].value("field", ""), "parameters.file_name") << unknown.body;
    EXPECT_EQ(unknown.json()["data"].value("message", ""), "no such file on the SD card") << unknown.body;
    EXPECT_EQ(unknown.json().value("id", ""), "a");
    // A card name is not looked up among local files, nor a wrong origin accepted.
    auto bad_origin = command(
        R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"CUBE.GCO","origin":"usb"}})");
    EXPECT_EQ(bad_origin.status, 400);
    EXPECT_EQ(bad_origin.json()["data"].value("field", ""), "parameters.origin") << bad_origin.body;
    auto as_local = command(R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"CUBE.GCO"}})");
    EXPECT_EQ(as_local.status, 400) << as_local.body;
    EXPECT_EQ(edge.get("/api/v1/job").value("active", true), false);
    EXPECT_TRUE(edge.get("/api/v1/history")["jobs"].empty());

    auto start = command(
        R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"cube.gco","origin":"sdcard"},"id":7})");
    ASSERT_EQ(start.status, 200) << start.body;
    EXPECT_EQ(start.json().value("type", ""), "success");
    EXPECT_EQ(start.json()["data"].value("origin", ""), "sdcard");
    EXPECT_EQ(start.json().value("id", 0), 7);
    ASSERT_TRUE(edge.wait_for("/api/v1/history", [](const nlohmann::json& h) {
        return !h["jobs"].empty() && h["jobs"][0].value("status", "") == "completed";
    })) << edge.log();
    auto row = last_history();
    EXPECT_EQ(row.value("file", ""), "CUBE.GCO");
    EXPECT_EQ(row.value("origin", ""), "sdcard");
}

// A firmware without SD support (printgate-sim --no-sd-card): a clear error, nothing started.
TEST(edge_sdcard_none, command_protocol_start_print_without_a_card) {
    temp_dir dir;
    const auto state = dir / "state";
    edge_process edge{dir, demo_args(dir, state, {}, {"--no-sd-card"})};
    ASSERT_TRUE(edge.ready()) << edge.log();
    ASSERT_TRUE(edge.wait_for("/api/v1/state", operational)) << edge.log();
    auto reply = request(edge.port(), "POST", "/api/v1/command",
                         R"({"type":"printer_control","action":"start_print","parameters":{"file_name":"CUBE.GCO","origin":"sdcard"}})");
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_EQ(reply.json().value("type", ""), "error");
    EXPECT_NE(reply.json()["data"].value("message", "").find("no SD card"), std::string::npos) << reply.body;
    EXPECT_EQ(edge.get("/api/v1/job").value("active", true), false);
    EXPECT_TRUE(edge.get("/api/v1/history")["jobs"].empty());
    EXPECT_FALSE(edge.get("/api/v1/files").value("sdcard_ready", true));
}
