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
#include <printgate/camera/camera_service.hpp>
#include <printgate/camera/timelapse.hpp>

#include "temp_dir.hpp"

namespace {

using namespace printgate;
using namespace printgate::camera;
using namespace std::chrono_literals;
namespace net = boost::asio;

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

}  // namespace
