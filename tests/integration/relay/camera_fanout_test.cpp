// The relay's camera fan-out with the real binaries: relay, a paired `printgate-edge run
// --demo` (test-pattern camera) and signed-in viewers over TLS. However many viewers watch
// through the relay, the edge serves exactly one stream (its /webcam/state shows one viewer);
// a viewer that stops reading does not slow the others and, when it reads again, gets fresh
// pictures rather than a backlog; the tunnel stream closes after the last viewer leaves; a
// device that goes away ends every viewer's stream.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "camera_viewer.hpp"
#include "login_fixture.hpp"
#include "pairing_fixture.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace printgate::testing {
namespace {

class camera_fanout : public ::testing::Test, public gate_steps {
protected:
    void SetUp() override {
        relay.start();
        const auto code = relay.add_device("printer1");
        ASSERT_FALSE(code.empty());
        child_process pair({PRINTGATE_EDGE_BIN, "pair", code, "--state-dir", edge_state.string()},
                           (dir / "pair.out").string(), (dir / "pair.err").string());
        auto paired = pair.wait(std::chrono::seconds(60));
        ASSERT_TRUE(paired && *paired == 0) << pair.err();
        start_edge();
        attach(relay);
        create_owner(owner);
        sign_in_and_enroll(owner);
        auto entered = enter_device(owner, "printer1", "/");
        ASSERT_EQ(entered.status, 303) << entered.body;
        auto session = owner.cookie("printer1.localhost", "__Host-printgate");
        ASSERT_TRUE(session);
        cookie = "__Host-printgate=" + *session;
    }

    void start_edge() {
        // Each start has its own output files: a restart must not find the last run's lines.
        const auto name = "edge" + std::to_string(++edge_starts);
        edge = std::make_unique<child_process>(
            std::vector<std::string>{PRINTGATE_EDGE_BIN, "run", "--demo", "--state-dir", edge_state.string(),
                                     "--sim-binary", PRINTGATE_SIM_BIN, "--tunnel-backoff-max-ms", "500"},
            (dir / (name + ".out")).string(), (dir / (name + ".err")).string());
        ASSERT_TRUE(wait_until([&] { return edge->out().find("printgate-edge ready") != std::string::npos; },
                               std::chrono::seconds(60)))
            << edge->err();
        const auto out = edge->out();
        const std::string key = "http=127.0.0.1:";
        auto at = out.find(key);
        ASSERT_NE(at, std::string::npos) << out;
        edge_port = static_cast<std::uint16_t>(std::stoi(out.substr(at + key.size())));
        ASSERT_TRUE(wait_until([&] { return edge->err().find("is up") != std::string::npos; }, std::chrono::seconds(60)))
            << edge->err() << "\n" << relay.log();
    }

    camera_viewer::options viewer_options(const std::string& target = "/webcam/stream") const {
        camera_viewer::options o;
        o.port = relay.https_port();
        o.host = "printer1.localhost";
        o.target = target;
        o.cookie = cookie;
        return o;
    }

    std::size_t edge_viewers() {
        auto state = edge_camera_state(edge_port);
        if (!state.is_object()) return 999;
        return state.value("viewers", std::size_t{999});
    }

    std::string diagnostics() { return "relay:\n" + relay.log() + "\nedge:\n" + (edge ? edge->err() : ""); }

    temp_dir dir;
    relay_process relay{dir / "relay"};
    std::filesystem::path edge_state = dir / "edge";
    std::unique_ptr<child_process> edge;
    int edge_starts = 0;
    std::uint16_t edge_port = 0;
    browser_client owner;
    std::string cookie;
};

TEST_F(camera_fanout, many_viewers_through_the_relay_are_one_viewer_at_the_edge_and_a_slow_one_gets_fresh_pictures) {
    // The slow viewer: a small receive window, and it stops reading after its first picture.
    auto slow_options = viewer_options();
    slow_options.receive_buffer = 4096;
    camera_viewer slow(slow_options);
    ASSERT_FALSE(slow.error) << slow.error.message() << diagnostics();
    ASSERT_EQ(slow.status, 200) << slow.head;
    EXPECT_NE(slow.header_value("Content-Type").find("multipart/x-mixed-replace"), std::string::npos) << slow.head;
    auto first = slow.read_frames(1);
    ASSERT_EQ(first.size(), 1u) << slow.error.message() << diagnostics();

    constexpr int fast_count = 6;
    std::vector<std::unique_ptr<camera_viewer>> fast;
    for (int i = 0; i < fast_count; ++i) {
        // The mjpg-streamer alias is fanned out the same way.
        fast.push_back(std::make_unique<camera_viewer>(
            viewer_options(i % 2 == 0 ? "/webcam/stream" : "/webcam/?action=stream")));
        ASSERT_EQ(fast.back()->status, 200) << fast.back()->head << fast.back()->error.message();
    }
    // Every fast viewer keeps getting new pictures while the slow one reads nothing. Read
    // round robin, a few at a time: none of them may stall (the receive timeout fails it).
    std::vector<std::uint64_t> last(fast_count, 0);
    for (int round = 0; round < 12; ++round) {
        for (int i = 0; i < fast_count; ++i) {
            auto got = fast[i]->read_frames(5);
            ASSERT_EQ(got.size(), 5u) << "viewer " << i << ": " << fast[i]->error.message() << diagnostics();
            for (auto n : got) {
                EXPECT_GT(n, last[i]) << "viewer " << i << " got an older picture";
                last[i] = n;
            }
        }
        // However many watch through the relay, one stream crosses the tunnel.
        EXPECT_EQ(edge_viewers(), 1u) << edge_camera_state(edge_port).dump();
    }
    std::uint64_t newest = 0;
    for (auto n : last) newest = std::max(newest, n);
    EXPECT_GE(newest, first[0] + 55);

    // The slow viewer reads again: it catches up with the live picture in fewer pictures
    // than it missed (a queue would replay every one of them, oldest first).
    std::vector<std::uint64_t> seen;
    while (seen.empty() || seen.back() < newest) {
        auto got = slow.read_frames(1);
        ASSERT_EQ(got.size(), 1u) << slow.error.message() << diagnostics();
        if (!seen.empty()) {
            ASSERT_GT(got[0], seen.back());
        }
        seen.push_back(got[0]);
        ASSERT_LT(seen.size(), 200u);
    }
    EXPECT_LT(seen.size(), newest - first[0]) << "the slow viewer was handed every picture it missed";

    // Everyone leaves: the edge's one viewer (the relay's stream) goes too, after the linger.
    slow.close();
    for (auto& f : fast) f->close();
    EXPECT_TRUE(wait_until([&] { return edge_viewers() == 0; }, std::chrono::seconds(40)))
        << edge_camera_state(edge_port).dump() << diagnostics();

    // A snapshot through the relay still works (it wakes the stream for one picture).
    auto snapshot = owner.get(device("printer1", "/webcam/snapshot"));
    EXPECT_EQ(snapshot.status, 200) << snapshot.body;
    EXPECT_EQ(snapshot.header("Content-Type"), "image/jpeg");
    ASSERT_GE(snapshot.body.size(), 4u);
    EXPECT_EQ(static_cast<unsigned char>(snapshot.body[0]), 0xFF);
    EXPECT_EQ(static_cast<unsigned char>(snapshot.body[1]), 0xD8);
    // /webcam/state is answered by the relay (the edge's state with the relay's figures).
    auto state = owner.get(device("printer1", "/webcam/state"));
    EXPECT_EQ(state.status, 200) << state.body;
    EXPECT_NE(state.body.find("\"fps_in\""), std::string::npos) << state.body;
}

TEST_F(camera_fanout, the_relays_webcam_state_counts_the_people_watching_through_it) {
    auto state_through_relay = [&](const std::string& target = "/webcam/state") {
        auto r = owner.get(device("printer1", target));
        auto json = nlohmann::json::parse(r.body, nullptr, false);
        return std::make_pair(r, json);
    };
    // Nobody watches: the relay has no stream open, the edge's camera is described.
    auto [idle, idle_json] = state_through_relay();
    ASSERT_EQ(idle.status, 200) << idle.body << diagnostics();
    EXPECT_EQ(idle.header("Content-Type"), "application/json");
    EXPECT_FALSE(idle.header("Strict-Transport-Security").empty());
    ASSERT_TRUE(idle_json.is_object()) << idle.body;
    EXPECT_EQ(idle_json.value("viewers", -1), 0) << idle.body;
    EXPECT_FALSE(idle_json["relay"].value("upstream_open", true)) << idle.body;
    EXPECT_EQ(idle_json["edge"].value("kind", ""), "test") << idle.body;

    constexpr int watching = 3;
    std::vector<std::unique_ptr<camera_viewer>> viewers;
    for (int i = 0; i < watching; ++i) {
        viewers.push_back(std::make_unique<camera_viewer>(viewer_options()));
        ASSERT_EQ(viewers.back()->status, 200) << viewers.back()->head << diagnostics();
        ASSERT_EQ(viewers.back()->read_frames(2).size(), 2u) << viewers.back()->error.message();
    }
    auto [busy, json] = state_through_relay();
    ASSERT_EQ(busy.status, 200) << busy.body;
    ASSERT_TRUE(json.is_object()) << busy.body;
    // The owner sees the people watching, the edge one viewer: the relay's stream.
    EXPECT_EQ(json.value("viewers", -1), watching) << busy.body;
    EXPECT_EQ(json["relay"].value("viewers", -1), watching) << busy.body;
    EXPECT_TRUE(json["relay"].value("upstream_open", false)) << busy.body;
    EXPECT_EQ(json["relay"].value("upstreams_opened", -1), 1) << busy.body;
    EXPECT_GE(json["relay"].value("frames_out", 0), 2 * watching) << busy.body;
    EXPECT_EQ(json["edge"].value("viewers", -1), 1) << busy.body;
    EXPECT_TRUE(json["edge"].value("running", false)) << busy.body;
    // The camera's own figures stay the edge's.
    EXPECT_EQ(json.value("fps_in", -1.0), json["edge"].value("fps_in", -2.0)) << busy.body;
    EXPECT_EQ(json["frame"].value("width", 0), 640) << busy.body;

    // A camera the edge does not have: the edge's own 404.
    auto [unknown, unknown_json] = state_through_relay("/webcam/state?camera=nope");
    EXPECT_EQ(unknown.status, 404) << unknown.body;
    (void)unknown_json;

    // The edge gone: a clear error with the relay's figures (503, as the proxy), not a hang.
    for (auto& v : viewers) v->close();
    EXPECT_EQ(edge->stop(), 0) << edge->err();
    ASSERT_TRUE(wait_until([&] { return state_through_relay().first.status == 503; }, std::chrono::seconds(20)))
        << state_through_relay().first.body;
    EXPECT_TRUE(state_through_relay().second.contains("relay"));
}

TEST_F(camera_fanout, the_gate_still_guards_the_camera) {
    auto o = viewer_options();
    o.cookie.clear();
    camera_viewer anonymous(o);
    EXPECT_NE(anonymous.status, 200) << anonymous.head;
    EXPECT_EQ(anonymous.read_frames(1).size(), 0u);
    EXPECT_EQ(edge_viewers(), 0u);
}

TEST_F(camera_fanout, a_device_going_offline_ends_every_viewers_stream) {
    camera_viewer a(viewer_options()), b(viewer_options("/webcam/?action=stream"));
    ASSERT_EQ(a.status, 200) << a.head << diagnostics();
    ASSERT_EQ(b.status, 200) << b.head;
    ASSERT_EQ(a.read_frames(3).size(), 3u) << a.error.message();
    ASSERT_EQ(b.read_frames(3).size(), 3u) << b.error.message();

    EXPECT_EQ(edge->stop(), 0) << edge->err();
    // Both streams end (not hang until the receive timeout).
    EXPECT_TRUE(a.read_to_end()) << a.error.message() << diagnostics();
    EXPECT_TRUE(b.read_to_end()) << b.error.message();

    // The edge comes back: a new viewer gets pictures again through a new tunnel stream.
    start_edge();
    camera_viewer c(viewer_options());
    ASSERT_EQ(c.status, 200) << c.head << diagnostics();
    EXPECT_EQ(c.read_frames(3).size(), 3u) << c.error.message() << diagnostics();
    EXPECT_EQ(edge_viewers(), 1u);
}

}  // namespace
}  // namespace printgate::testing
