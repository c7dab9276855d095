// The relay's printers page with the real binaries: printgate-relay (--demo), an edge paired
// to it running the demo printer (printgate-sim on a pty), and a signed-in browser. The page
// shows what the edge's control stream says (online, state, temperatures, the job) and sends
// pause / resume / cancel back over that stream; refused forms send nothing.
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "login_fixture.hpp"
#include "edge_pairing.hpp"
#include "pairing_fixture.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace printgate::testing {
namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// The table row of printer NAME on the printers page, or "".
std::string row_of(const std::string& page, const std::string& name) {
    const auto start = page.find("<tr id=\"printer-" + name + "\">");
    if (start == std::string::npos) return {};
    return page.substr(start, page.find("</tr>", start) - start);
}

// A print that lasts minutes on the simulator: slow moves, cancelled by the test.
std::string slow_job() {
    std::string g = "; slow test job\nG28\nG90\nM83\n";
    for (int i = 0; i < 400; ++i) {
        if (i % 20 == 0) g += ";LAYER_CHANGE\n;Z:" + std::to_string(0.2 + 0.2 * (i / 20)) + "\n";
        g += "G1 X" + std::to_string(10 + (i % 2) * 20) + " Y20 E0.5 F300\n";
    }
    return g;
}

class printers_page : public ::testing::Test, public gate_steps {
protected:
    temp_dir dir;
    relay_process relay{dir / "relay"};
    std::filesystem::path edge_state = dir / "edge";

    // The page, fetched until `ready` holds for printer1's row.
    std::string page_when(browser_client& b, const std::function<bool(const std::string&)>& ready) {
        std::string row;
        wait_until(
            [&] {
                auto page = b.get(apex("/printers"));
                row = page.status == 200 ? row_of(page.body, "printer1") : std::string();
                return ready(row);
            },
            std::chrono::seconds(60));
        return row;
    }

    http_response command(browser_client& b, const std::string& csrf, const std::string& action,
                          const std::string& device = "printer1", bool confirm = false) {
        browser_client::fields form{{"csrf", csrf}, {"device", device}, {"action", action}};
        if (confirm) form.emplace_back("confirm", "yes");
        return b.post(apex("/printers/command"), form);
    }
};

TEST_F(printers_page, shows_each_printer_from_its_control_stream_and_sends_pause_resume_and_cancel) {
    relay.start();
    attach(relay);
    browser_client owner;
    create_owner(owner);
    sign_in_and_enroll(owner);

    auto empty = owner.get(apex("/printers"));
    ASSERT_EQ(empty.status, 200) << empty.body;
    EXPECT_TRUE(has(empty.body, "No printer is paired yet")) << empty.body;

    ASSERT_EQ(pair_edge(relay, "printer1", edge_state), "") << relay.log();

    // Paired but never connected.
    auto before = owner.get(apex("/printers"));
    EXPECT_TRUE(has(row_of(before.body, "printer1"), "offline")) << before.body;

    child_process edge({PRINTGATE_EDGE_BIN, "run", "--demo", "--state-dir", edge_state.string(), "--sim-binary",
                        PRINTGATE_SIM_BIN, "--tunnel-backoff-max-ms", "500"},
                       (dir / "edge.out").string(), (dir / "edge.err").string());
    auto row = page_when(owner, [](const std::string& r) { return has(r, "operational") && has(r, "°C"); });
    ASSERT_TRUE(has(row, "online since")) << row << "\n" << relay.log() << edge.err();
    ASSERT_TRUE(has(row, "operational")) << row;
    EXPECT_TRUE(has(row, "no job")) << row;
    // Nothing to pause or cancel while idle.
    EXPECT_FALSE(has(row, "<button>")) << row;
    EXPECT_TRUE(has(row, "https://printer1.localhost:" + std::to_string(relay.https_port()) + "/")) << row;

    // A slicer-style upload through the relay starts a long print.
    ASSERT_EQ(enter_device(owner, "printer1", "/").status, 303);
    const std::string boundary = "printers-page-test";
    const std::string body = "--" + boundary +
                             "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.gcode\"\r\n"
                             "Content-Type: application/octet-stream\r\n\r\n" +
                             slow_job() + "\r\n--" + boundary +
                             "\r\nContent-Disposition: form-data; name=\"print\"\r\n\r\ntrue\r\n--" + boundary +
                             "--\r\n";
    const auto device_origin = "https://printer1.localhost:" + std::to_string(relay.https_port());
    auto uploaded = owner.send("POST", device("printer1", "/api/files/local"), body,
                               {{"Content-Type", "multipart/form-data; boundary=" + boundary},
                                {"Origin", device_origin}});
    ASSERT_EQ(uploaded.status, 201) << uploaded.body << "\n" << relay.log();

    row = page_when(owner, [](const std::string& r) { return has(r, "printing") && has(r, "slow.gcode"); });
    ASSERT_TRUE(has(row, "printing")) << row << "\n" << edge.err();
    EXPECT_TRUE(has(row, ">Pause</button>")) << row;
    EXPECT_TRUE(has(row, ">Cancel the print</button>")) << row;
    EXPECT_FALSE(has(row, ">Resume</button>")) << row;
    const auto csrf = between(row, "name=\"csrf\" value=\"", "\"");
    ASSERT_FALSE(csrf.empty()) << row;

    // Refused forms: nothing reaches the printer.
    EXPECT_EQ(command(owner, "not-the-token", "pause_print").status, 403);
    EXPECT_EQ(command(owner, csrf, "jog").status, 400);
    EXPECT_EQ(command(owner, csrf, "pause_print", "nosuch").status, 404);
    auto unconfirmed = command(owner, csrf, "stop_print");
    EXPECT_EQ(unconfirmed.status, 400);
    EXPECT_TRUE(has(unconfirmed.body, "Nothing was sent")) << unconfirmed.body;
    browser_client stranger;
    auto anonymous = command(stranger, csrf, "stop_print", "printer1", true);
    EXPECT_EQ(anonymous.status, 303);
    EXPECT_EQ(anonymous.header("Location"), "/signin");
    auto cross = owner.post(apex("/printers/command"), {{"csrf", csrf}, {"device", "printer1"}, {"action", "pause_print"}},
                            {}, false);
    EXPECT_EQ(cross.status, 403) << cross.body;
    row = row_of(owner.get(apex("/printers")).body, "printer1");
    EXPECT_TRUE(has(row, "printing")) << row;
    EXPECT_FALSE(has(row, "last command")) << row;

    // Pause, and the edge's answer comes back on the same stream.
    auto paused = command(owner, csrf, "pause_print");
    ASSERT_EQ(paused.status, 303) << paused.body;
    EXPECT_EQ(paused.header("Location"), "/printers?sent=printer1&action=pause_print");
    auto notice = owner.get(apex(paused.header("Location")));
    EXPECT_TRUE(has(notice.body, "Pause was sent to printer1")) << notice.body;
    row = page_when(owner, [](const std::string& r) { return has(r, ">paused") && has(r, "last command"); });
    ASSERT_TRUE(has(row, ">paused")) << row << "\n" << edge.err();
    EXPECT_TRUE(has(row, "last command relay-1: success")) << row;
    EXPECT_TRUE(has(row, ">Resume</button>")) << row;

    auto resumed = command(owner, csrf, "resume_print");
    ASSERT_EQ(resumed.status, 303) << resumed.body;
    row = page_when(owner, [](const std::string& r) { return has(r, ">printing") && has(r, "relay-2"); });
    ASSERT_TRUE(has(row, ">printing")) << row << "\n" << edge.err();

    auto stopped = command(owner, csrf, "stop_print", "printer1", true);
    ASSERT_EQ(stopped.status, 303) << stopped.body;
    row = page_when(owner, [](const std::string& r) {
        return has(r, ">operational") && has(r, "no job") && has(r, "relay-3");
    });
    ASSERT_TRUE(has(row, "no job")) << row << "\n" << edge.err();
    EXPECT_TRUE(has(row, "last command relay-3: success")) << row;
    EXPECT_FALSE(has(row, "<button>")) << row;

    // Every command is in the audit log with who sent it.
    auto audit = owner.get(apex("/audit"));
    EXPECT_TRUE(has(audit.body, "printer_command")) << audit.body;
    EXPECT_TRUE(has(audit.body, "printer1 stop_print relay-3")) << audit.body;

    // The edge stops: the row says since when it is offline, and commands are not sent.
    EXPECT_EQ(edge.stop(), 0) << edge.err();
    row = page_when(owner, [](const std::string& r) { return has(r, "offline since"); });
    EXPECT_TRUE(has(row, "offline since")) << row;
    EXPECT_FALSE(has(row, "<button>")) << row;
    auto offline = command(owner, csrf, "pause_print");
    EXPECT_EQ(offline.status, 503);
    EXPECT_TRUE(has(offline.body, "not connected")) << offline.body;
}

}  // namespace
}  // namespace printgate::testing
