// Timelapse with the real pieces: the test-pattern camera, frames written per layer change,
// then a real ffmpeg child process (under nice) rendering MP4 after the print; without
// ffmpeg, a tar archive of the frames. List, download path, delete; bad names refused.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>
#include <printgate/camera/camera_service.hpp>
#include <printgate/camera/timelapse.hpp>
#include <nlohmann/json.hpp>

#include "temp_dir.hpp"
#include "webcam_harness.hpp"

namespace {

using namespace printgate;
using namespace printgate::camera;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace wt = printgate::camera::testing;

struct rig {
    net::io_context io;
    camera_service svc{io.get_executor(), {[] {
                           camera_config c;
                           c.width = 160;
                           c.height = 120;
                           c.fps = 30;
                           c.idle_linger = 1ms;
                           return c;
                       }()}};
};

net::awaitable<void> until(const std::function<bool()>& ready) {
    net::steady_timer t(co_await net::this_coro::executor);
    while (!ready()) {
        t.expires_after(2ms);
        co_await t.async_wait(net::as_tuple(net::use_awaitable));
    }
}

// Three layers, then the print ends; returns the output's name and whether it was made.
std::pair<std::string, bool> print_three_layers(rig& r, timelapse& tl) {
    std::string made;
    bool ok = false;
    bool finished = false;
    tl.on_output([&](const std::string& name, bool good) {
        made = name;
        ok = good;
        finished = true;
    });
    net::co_spawn(
        r.io,
        [&]() -> net::awaitable<void> {
            tl.print_started("benchy v2.gcode");
            for (std::size_t layer = 1; layer <= 3; ++layer) {
                tl.on_layer_change();
                co_await until([&] { return tl.frames_captured() == layer; });
            }
            tl.print_finished();
            co_await until([&] { return finished; });
            r.svc.stop();
        },
        net::detached);
    r.io.run_for(120s);
    return {made, ok};
}

TEST(timelapse, renders_mp4_with_ffmpeg_after_the_print) {
    if (!std::filesystem::exists("/usr/bin/ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed";
    printgate::testing::temp_dir dir;
    rig r;
    timelapse tl(r.svc, {dir.path(), "", 0ms, 10});
    auto [name, ok] = print_three_layers(r, tl);
    ASSERT_TRUE(ok) << name;
    EXPECT_EQ(name.rfind("benchy_v2-", 0), 0u) << name;
    EXPECT_EQ(name.substr(name.size() - 4), ".mp4");
    auto items = tl.list();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].kind, "mp4");
    auto path = tl.path_of(name);
    ASSERT_TRUE(path);
    std::ifstream in(*path, std::ios::binary);
    std::string head(12, '\0');
    in.read(head.data(), 12);
    EXPECT_EQ(head.substr(4, 4), "ftyp");  // an MP4 file
    // Frames are gone once the video exists; only the video remains.
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
    EXPECT_EQ(entries, 1u);
    EXPECT_TRUE(tl.remove(name));
    EXPECT_TRUE(tl.list().empty());
}

TEST(timelapse, keeps_a_tar_archive_without_ffmpeg) {
    printgate::testing::temp_dir dir;
    rig r;
    timelapse tl(r.svc, {dir.path(), "", 0ms, 10, dir.path() / "no-ffmpeg-here"});
    auto [name, ok] = print_three_layers(r, tl);
    ASSERT_TRUE(ok);
    EXPECT_EQ(name.substr(name.size() - 4), ".tar");
    auto path = tl.path_of(name);
    ASSERT_TRUE(path);
    std::ifstream in(*path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GE(all.size(), 512u * 5);
    EXPECT_EQ(all.substr(257, 5), "ustar");
    EXPECT_NE(all.find("/frame-000001.jpg"), std::string::npos);
    EXPECT_NE(all.find("/frame-000003.jpg"), std::string::npos);
    if (std::filesystem::exists("/usr/bin/tar")) {  // GNU tar reads it (checksums, sizes)
        std::string cmd = "/usr/bin/tar -tf '" + path->string() + "' > /dev/null 2>&1";
        EXPECT_EQ(std::system(cmd.c_str()), 0);
    }
    // The first member's data is a JPEG.
    std::size_t size = std::stoul(all.substr(124, 11), nullptr, 8);
    EXPECT_GT(size, 100u);
    EXPECT_EQ(static_cast<unsigned char>(all[512]), 0xffu);
    EXPECT_EQ(static_cast<unsigned char>(all[513]), 0xd8u);
}

// With an interval, pictures come by themselves while a print runs, and stop when it ends.
TEST(timelapse, takes_a_picture_per_interval_while_printing) {
    printgate::testing::temp_dir dir;
    rig r;
    timelapse tl(r.svc, {dir.path(), "", 20ms, 10, dir.path() / "no-ffmpeg-here"});
    std::string made;
    bool finished = false;
    std::size_t at_end = 0;
    tl.on_output([&](const std::string& name, bool ok) {
        made = ok ? name : "";
        finished = true;
    });
    net::co_spawn(
        r.io,
        [&]() -> net::awaitable<void> {
            tl.print_started("interval");
            co_await until([&] { return tl.frames_captured() >= 3; });  // no layer change at all
            tl.print_finished();
            at_end = tl.frames_captured();
            co_await until([&] { return finished; });
            r.svc.stop();
        },
        net::detached);
    r.io.run_for(60s);
    ASSERT_TRUE(finished);
    ASSERT_FALSE(made.empty());
    EXPECT_GE(at_end, 3u);
    EXPECT_EQ(tl.frames_captured(), at_end) << "a picture after the print ended";
    auto path = tl.path_of(made);
    ASSERT_TRUE(path);
    std::ifstream in(*path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(all.find("/frame-000003.jpg"), std::string::npos);
}

// A print that starts while the last one's video renders stops ffmpeg at once (it would
// take the Pi's CPU from the print); the render runs again after that print. The stand-in
// for ffmpeg sleeps for a minute, so a render that is not stopped fails the test.
TEST(timelapse, a_render_never_runs_during_a_print) {
    printgate::testing::temp_dir dir;
    const auto slow = dir.path() / "slow-ffmpeg";
    std::ofstream(slow) << "#!/bin/sh\nexec sleep 60\n";
    std::filesystem::permissions(slow, std::filesystem::perms::owner_all);
    rig r;
    std::vector<std::string> outputs;
    bool stopped_in_time = false, rendered_again = false;
    {
        timelapse tl(r.svc, {dir.path() / "tl", "", 0ms, 10, slow});
        tl.on_output([&](const std::string& name, bool) { outputs.push_back(name); });
        net::co_spawn(
            r.io,
            [&]() -> net::awaitable<void> {
                tl.print_started("first");
                tl.on_layer_change();
                co_await until([&] { return tl.frames_captured() == 1; });
                tl.print_finished();
                EXPECT_TRUE(tl.rendering());
                tl.print_started("second");
                net::steady_timer limit(co_await net::this_coro::executor);
                limit.expires_after(20s);
                co_await until([&] { return !tl.rendering() || limit.expiry() <= std::chrono::steady_clock::now(); });
                stopped_in_time = !tl.rendering();
                tl.on_layer_change();
                co_await until([&] { return tl.frames_captured() == 1; });
                tl.print_finished();
                rendered_again = tl.rendering();
                r.svc.stop();
            },
            net::detached);
        r.io.run_for(60s);
    }  // the timelapse ends the render it still runs
    EXPECT_TRUE(stopped_in_time) << "ffmpeg kept running during the second print";
    EXPECT_TRUE(rendered_again) << "the first print's render did not come back after the second";
    EXPECT_TRUE(outputs.empty()) << "a stopped render is not an output";
}

TEST(timelapse, refuses_names_outside_its_directory) {
    printgate::testing::temp_dir dir;
    rig r;
    timelapse tl(r.svc, {dir.path() / "tl", "", 0ms, 10});
    std::ofstream(dir.path() / "secret.mp4") << "x";
    EXPECT_FALSE(tl.path_of("../secret.mp4"));
    EXPECT_FALSE(tl.path_of("/etc/passwd"));
    EXPECT_FALSE(tl.path_of(".hidden.mp4"));
    EXPECT_FALSE(tl.path_of("missing.mp4"));
    EXPECT_FALSE(tl.remove("../secret.mp4"));
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "secret.mp4"));
    tl.on_layer_change();  // no print: nothing captured
    EXPECT_EQ(tl.frames_captured(), 0u);
    r.svc.stop();
}

// The edge's push messages drive it: print_started names the output, each new layer number
// in progress takes one picture (a repeated number takes none), print_done renders. Then the
// HTTP endpoints list, download and delete the archive.
TEST(timelapse, job_events_take_a_picture_per_new_layer_and_the_endpoints_serve_the_result) {
    printgate::testing::temp_dir dir;
    rig r;
    auto& tl = r.svc.enable_timelapse({dir.path(), "", 0ms, 10, dir.path() / "no-ffmpeg-here"});
    ASSERT_EQ(r.svc.print_timelapse(), &tl);
    wt::webcam_server server(r.io, r.svc);
    auto event = [](const char* name) { return nlohmann::json{{"type", "event"}, {"data", {{"event", name}, {"file", "cube.gcode"}}}}; };
    auto progress = [](nlohmann::json layer) { return nlohmann::json{{"type", "status"}, {"data", {{"layer", layer}, {"active", true}}}}; };
    std::string made;
    bool finished = false;
    tl.on_output([&](const std::string& name, bool ok) {
        made = ok ? name : "";
        finished = true;
    });
    wt::http_reply list, download, head, removed, again, bad_method;
    net::co_spawn(
        r.io,
        [&]() -> net::awaitable<void> {
            tl.on_job_event("progress", progress(1));  // no print yet: ignored
            tl.on_job_event("job", event("print_started"));
            EXPECT_TRUE(tl.printing());
            // (layer in the progress message, pictures expected after it)
            const std::vector<std::pair<nlohmann::json, std::size_t>> steps{
                {nullptr, 0}, {1, 1}, {1, 1}, {2, 2}, {3, 3}, {3, 3}};
            net::steady_timer settle(r.io);
            for (const auto& [layer, expected] : steps) {
                tl.on_job_event("progress", progress(layer));
                tl.on_job_event("temperatures", progress(99));  // another topic: ignored
                co_await until([&] { return tl.frames_captured() >= expected; });
                // A wrong extra picture would land within a few frames' time.
                settle.expires_after(100ms);
                co_await settle.async_wait(net::as_tuple(net::use_awaitable));
                EXPECT_EQ(tl.frames_captured(), expected) << layer;
            }
            EXPECT_EQ(tl.frames_captured(), 3u);
            tl.on_job_event("job", event("print_done"));
            co_await until([&] { return finished; });
            list = co_await wt::http_get(server.port(), "/webcam/timelapse");
            download = co_await wt::http_get(server.port(), "/webcam/timelapse/" + made);
            head = co_await wt::http_get(server.port(), "/webcam/timelapse/" + made, "HEAD");
            bad_method = co_await wt::http_get(server.port(), "/webcam/timelapse", "DELETE");
            removed = co_await wt::http_get(server.port(), "/webcam/timelapse/" + made, "DELETE");
            again = co_await wt::http_get(server.port(), "/webcam/timelapse/" + made);
            server.close();
            r.svc.stop();
        },
        net::detached);
    r.io.run_for(120s);
    ASSERT_TRUE(finished);
    ASSERT_FALSE(made.empty());
    EXPECT_EQ(made.rfind("cube-", 0), 0u) << made;
    EXPECT_EQ(list.status, 200);
    auto j = nlohmann::json::parse(list.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << list.body;
    ASSERT_EQ(j["timelapses"].size(), 1u) << list.body;
    EXPECT_EQ(j["timelapses"][0]["name"], made);
    EXPECT_EQ(j["timelapses"][0]["kind"], "tar");
    EXPECT_EQ(download.status, 200);
    EXPECT_EQ(download.headers["content-type"], "application/x-tar");
    EXPECT_EQ(download.body.size(), j["timelapses"][0]["bytes"].get<std::size_t>());
    EXPECT_EQ(download.body.substr(257, 5), "ustar");
    EXPECT_NE(download.body.find("/frame-000003.jpg"), std::string::npos);
    EXPECT_EQ(download.body.find("/frame-000004.jpg"), std::string::npos);
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(bad_method.status, 405);
    EXPECT_EQ(removed.status, 200);
    EXPECT_EQ(again.status, 404);
    EXPECT_TRUE(tl.list().empty());
}

TEST(timelapse, endpoints_refuse_names_outside_the_folder_and_say_when_it_is_off) {
    printgate::testing::temp_dir dir;
    rig r;
    wt::webcam_server server(r.io, r.svc);
    wt::http_reply off, escape, hidden;
    net::co_spawn(
        r.io,
        [&]() -> net::awaitable<void> {
            off = co_await wt::http_get(server.port(), "/webcam/timelapse");
            r.svc.enable_timelapse({dir.path() / "tl", "", 0ms, 10});
            std::ofstream(dir.path() / "secret.mp4") << "x";
            escape = co_await wt::http_get(server.port(), "/webcam/timelapse/../secret.mp4", "DELETE");
            hidden = co_await wt::http_get(server.port(), "/webcam/timelapse/..%2Fsecret.mp4");
            server.close();
            r.svc.stop();
        },
        net::detached);
    r.io.run_for(60s);
    EXPECT_EQ(off.status, 404);
    EXPECT_EQ(escape.status, 404);
    EXPECT_EQ(hidden.status, 404);
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "secret.mp4"));
}

}  // namespace
