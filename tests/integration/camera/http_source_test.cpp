// Against an IP camera nobody here wrote: Debian's ffmpeg serving `-f mpjpeg -listen 1` on a
// loopback port (chunked transfer, application/octet-stream, boundary only in the body).
// The HTTP source connects (retrying until ffmpeg listens), frames arrive and decode.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <functional>
#include <printgate/camera/frame_hub.hpp>
#include <printgate/camera/http_mjpeg_source.hpp>
#include <printgate/camera/jpeg.hpp>

#include "process.hpp"
#include "temp_dir.hpp"

namespace {

using namespace printgate;
using namespace printgate::camera;
using namespace std::chrono_literals;
namespace net = boost::asio;

unsigned short free_port() {
    net::io_context io;
    net::ip::tcp::acceptor a(io, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    return a.local_endpoint().port();
}

TEST(http_mjpeg_source, frames_from_ffmpeg_mpjpeg_arrive_and_decode) {
    if (!std::filesystem::exists("/usr/bin/ffmpeg")) GTEST_SKIP() << "ffmpeg is not installed";
    printgate::testing::temp_dir dir;
    auto port = free_port();
    auto url = "http://127.0.0.1:" + std::to_string(port) + "/cam";
    printgate::testing::child_process ffmpeg(
        {"/usr/bin/ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
         "testsrc=size=320x240:rate=15", "-f", "mpjpeg", "-listen", "1", url},
        dir / "ffmpeg.out", dir / "ffmpeg.err");

    net::io_context io;
    auto hub = std::make_shared<frame_hub>(io.get_executor());
    http_source_options options;
    options.backoff_min = 20ms;  // ffmpeg takes a moment to listen: retry quickly
    options.backoff_max = 200ms;
    http_mjpeg_source source(hub, steady_clock_source::instance(), url, options);
    auto viewer = hub->add_viewer();
    std::vector<frame_ptr> frames;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            std::uint64_t last = 0;
            while (frames.size() < 10) {
                auto f = co_await viewer.next(last, 30s);
                if (!f) break;
                last = f->number;
                frames.push_back(f);
            }
            source.stop();
        },
        net::detached);
    source.start();
    io.run_for(60s);
    ASSERT_EQ(frames.size(), 10u) << "last error: " << source.last_error() << "\nffmpeg: " << ffmpeg.err();
    EXPECT_EQ(source.connects(), 1u);
    for (const auto& f : frames) {
        EXPECT_EQ(f->width, 320);
        EXPECT_EQ(f->height, 240);
        auto img = decode_rgb(f->jpeg);
        ASSERT_TRUE(img);
        EXPECT_EQ(img->pixels.size(), 320u * 240u * 3u);
    }
    // ffmpeg's testsrc moves: the pictures differ.
    EXPECT_NE(frames.front()->jpeg, frames.back()->jpeg);
}

TEST(http_mjpeg_source, reports_a_refused_connection_and_keeps_retrying) {
    net::io_context io;
    auto hub = std::make_shared<frame_hub>(io.get_executor());
    http_source_options options;
    options.backoff_min = 1ms;
    options.backoff_max = 2ms;
    http_mjpeg_source source(hub, steady_clock_source::instance(),
                             "http://127.0.0.1:" + std::to_string(free_port()) + "/", options);
    source.start();
    net::steady_timer poll(io);
    std::function<void()> check = [&] {
        if (!source.last_error().empty()) {
            source.stop();
            return;
        }
        poll.expires_after(1ms);
        poll.async_wait([&](boost::system::error_code) { check(); });
    };
    check();
    io.run_for(30s);
    EXPECT_NE(source.last_error().find("connect"), std::string::npos) << source.last_error();
    EXPECT_FALSE(source.running());
    EXPECT_EQ(hub->latest(), nullptr);
}

// An IP camera that lets its viewers down: the first connection gets a response head and
// then silence, the next two three pictures each after which the camera closes them (any
// later one is silent again, so that exactly six pictures exist). The source
// drops the silent connection (read timeout), connects again each time, and the pictures
// go on: the hub's numbers keep counting across connections.
TEST(http_mjpeg_source, connects_again_after_a_silent_or_ended_stream) {
    net::io_context io;
    net::ip::tcp::acceptor acceptor(io, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    const auto port = acceptor.local_endpoint().port();
    const auto jpeg = encode_rgb(std::vector<std::uint8_t>(64 * 48 * 3, 128), 64, 48, 80);
    ASSERT_FALSE(jpeg.empty());
    constexpr auto tuple = net::as_tuple(net::use_awaitable);
    int accepted = 0;
    std::vector<std::shared_ptr<net::ip::tcp::socket>> silent;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            for (;;) {
                auto socket = std::make_shared<net::ip::tcp::socket>(io);
                auto [ec] = co_await acceptor.async_accept(*socket, tuple);
                if (ec) co_return;
                ++accepted;
                std::string request;
                char buf[1024];
                while (request.find("\r\n\r\n") == std::string::npos) {
                    auto [rec, n] = co_await socket->async_read_some(net::buffer(buf), tuple);
                    if (rec) break;
                    request.append(buf, n);
                }
                std::string out = "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=cam\r\n\r\n";
                if (accepted == 1 || accepted > 3) {
                    co_await net::async_write(*socket, net::buffer(out), tuple);
                    silent.push_back(socket);  // open and quiet: only the read timeout ends it
                    continue;
                }
                for (int i = 0; i < 3; ++i) {
                    out += "--cam\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(jpeg.size()) +
                           "\r\n\r\n";
                    out.append(jpeg.begin(), jpeg.end());
                    out += "\r\n";
                }
                co_await net::async_write(*socket, net::buffer(out), tuple);
                boost::system::error_code ignored;
                socket->shutdown(net::ip::tcp::socket::shutdown_send, ignored);
                // The source closes its end when it has read the last picture.
                while (!ignored) {
                    auto [rec, n] = co_await socket->async_read_some(net::buffer(buf), tuple);
                    ignored = rec;
                    (void)n;
                }
            }
        },
        net::detached);

    auto hub = std::make_shared<frame_hub>(io.get_executor());
    http_source_options options;
    options.backoff_min = 1ms;
    options.backoff_max = 2ms;
    options.read_timeout = 300ms;
    http_mjpeg_source source(hub, steady_clock_source::instance(), "http://127.0.0.1:" + std::to_string(port) + "/cam",
                             options);
    source.start();
    net::steady_timer poll(io);
    std::function<void()> check = [&] {
        if (hub->stats().frames_in >= 6) {
            source.stop();
            acceptor.close();
            return;
        }
        poll.expires_after(2ms);
        poll.async_wait([&](boost::system::error_code) { check(); });
    };
    check();
    io.run_for(60s);
    EXPECT_EQ(hub->stats().frames_in, 6u) << source.last_error();
    EXPECT_GE(accepted, 3) << source.last_error();
    // Connections that got as far as a good response head: the silent one and two more.
    EXPECT_GE(source.connects(), 3u);
    ASSERT_NE(hub->latest(), nullptr);
    EXPECT_EQ(hub->latest()->number, 6u);
    EXPECT_EQ(hub->latest()->width, 64);
    EXPECT_EQ(hub->latest()->jpeg, jpeg);
}

}  // namespace
