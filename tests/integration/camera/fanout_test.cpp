// Many viewers over real loopback sockets, one of them deliberately slow. The publisher only
// moves on when every fast viewer has the current frame, so the test depends on no timing:
// if the slow viewer could hold anyone up, the publisher would stall and the test fail. The
// fast viewers must see every frame number in order; the slow one must see fresh frames
// (its numbers jump), never a backlog of old ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <printgate/camera/http_mjpeg_source.hpp>
#include <printgate/camera/jpeg.hpp>
#include <printgate/camera/test_pattern_source.hpp>
#include <vector>

#include "webcam_harness.hpp"

namespace {

using namespace printgate;
using namespace printgate::camera;
using namespace printgate::camera::testing;
using namespace std::chrono_literals;

// Frames come from the test itself.
class manual_source final : public frame_source {
public:
    void start() override { running_ = true; }
    void stop() override { running_ = false; }
    bool running() const override { return running_; }
    std::string last_error() const override { return {}; }

private:
    bool running_ = false;
};

net::awaitable<void> until(const std::function<bool()>& ready) {
    net::steady_timer t(co_await net::this_coro::executor);
    while (!ready()) {
        t.expires_after(1ms);
        co_await t.async_wait(net::as_tuple(use_awaitable));
    }
}

struct stream_client_result {
    int status = 0;
    std::vector<std::uint64_t> numbers;
    bool all_decoded = true;
};

// Reads /webcam/stream, recording each part's X-Frame-Number. `pause` is consulted after each
// read: while it returns true the client stops reading (its socket fills up).
net::awaitable<void> stream_client(unsigned short port, stream_client_result& out, int receive_buffer,
                                   std::function<bool()> pause, std::function<bool()> done) {
    auto ex = co_await net::this_coro::executor;
    tcp::socket s(ex);
    s.open(tcp::v4());
    if (receive_buffer > 0) s.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    co_await s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), use_awaitable);
    std::string req = "GET /webcam/stream?camera=bench HTTP/1.1\r\nHost: t\r\n\r\n";
    co_await net::async_write(s, net::buffer(req), use_awaitable);
    net::streambuf buf;
    auto [ec, n] = co_await net::async_read_until(s, buf, "\r\n\r\n", net::as_tuple(use_awaitable));
    if (ec) co_return;
    std::string head(net::buffers_begin(buf.data()), net::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(n));
    buf.consume(n);
    auto reply = parse_head(head);
    out.status = reply.status;
    auto boundary = boundary_from_content_type(reply.headers["content-type"]);
    if (!boundary) co_return;
    multipart_parser mp(*boundary);
    auto on_part = [&](multipart_part&& part) {
        out.numbers.push_back(std::stoull(std::string(part.header("X-Frame-Number"))));
        if (!jpeg_dimensions(part.body) || part.header("Content-Length") != std::to_string(part.body.size()))
            out.all_decoded = false;
    };
    std::string left(net::buffers_begin(buf.data()), net::buffers_end(buf.data()));
    mp.feed(left, on_part);
    std::vector<std::uint8_t> chunk(16 * 1024);
    while (!done()) {
        if (pause()) {
            co_await until([&] { return !pause() || done(); });
            continue;
        }
        auto [rec, got] = co_await s.async_read_some(net::buffer(chunk), net::as_tuple(use_awaitable));
        if (rec) break;
        if (mp.feed(std::span<const std::uint8_t>(chunk.data(), got), on_part) != multipart_error::none) break;
    }
}

frame pattern_frame(std::uint64_t n) {
    frame f;
    f.grab_time = std::chrono::steady_clock::now();
    f.encode_time = f.grab_time;
    f.width = 320;
    f.height = 240;
    f.jpeg = render_test_pattern(n, std::chrono::system_clock::now(), 320, 240, 80);
    return f;
}

struct bench_camera {
    net::io_context io;
    camera_service svc;
    std::shared_ptr<frame_hub> hub = std::make_shared<frame_hub>(io.get_executor());
    explicit bench_camera(std::chrono::milliseconds write_timeout)
        : svc(io.get_executor(), {}, service_options{write_timeout, 5s, 64}) {
        camera_config cfg;
        cfg.name = "bench";
        svc.add(std::make_unique<camera_unit>(io.get_executor(), cfg, steady_clock_source::instance(),
                                              std::make_unique<manual_source>(), hub));
    }
};

TEST(webcam_fanout, a_slow_viewer_never_delays_the_others_and_gets_fresh_frames) {
    bench_camera cam(60s);
    webcam_server server(cam.io, cam.svc, 16 * 1024);
    constexpr int fast_count = 19;
    constexpr std::uint64_t paused_frames = 60;
    constexpr std::uint64_t total_frames = 80;
    std::vector<stream_client_result> fast(fast_count);
    stream_client_result slow;
    bool release_slow = false;
    bool done = false;
    bool finished = false;

    for (auto& r : fast)
        net::co_spawn(cam.io,
                      stream_client(
                          server.port(), r, 0, [] { return false; }, [&] { return done; }),
                      net::detached);
    net::co_spawn(
        cam.io,
        stream_client(
            server.port(), slow, 4096, [&] { return !slow.numbers.empty() && !release_slow; }, [&] { return done; }),
        net::detached);

    auto all_fast_have = [&](std::uint64_t n) {
        for (const auto& r : fast)
            if (r.numbers.empty() || r.numbers.back() < n) return false;
        return true;
    };
    net::co_spawn(
        cam.io,
        [&]() -> net::awaitable<void> {
            co_await until([&] { return cam.hub->viewers() == fast_count + 1; });
            for (std::uint64_t n = 1; n <= total_frames; ++n) {
                cam.hub->publish(pattern_frame(n));
                co_await until([&] { return all_fast_have(n); });
                if (n == paused_frames) {
                    // Nothing new is published until the slow viewer has caught up: it must
                    // get the newest frame from its slot, not the next old one in a queue.
                    release_slow = true;
                    co_await until([&] { return !slow.numbers.empty() && slow.numbers.back() == paused_frames; });
                }
            }
            co_await until([&] { return !slow.numbers.empty() && slow.numbers.back() == total_frames; });
            finished = true;
            done = true;
            cam.svc.stop();
            server.close();
        },
        net::detached);
    cam.io.run_for(120s);  // a bound for a failing run only: the test waits on events

    ASSERT_TRUE(finished)
        << "the publisher stalled: a slow viewer held the others up, or never got the newest frame (slow got "
        << slow.numbers.size() << " frames)";
    std::vector<std::uint64_t> every(total_frames);
    for (std::uint64_t i = 0; i < total_frames; ++i) every[i] = i + 1;
    for (const auto& r : fast) {
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.numbers, every);
        EXPECT_TRUE(r.all_decoded);
    }
    ASSERT_FALSE(slow.numbers.empty());
    EXPECT_TRUE(slow.all_decoded);
    EXPECT_TRUE(std::is_sorted(slow.numbers.begin(), slow.numbers.end()));
    EXPECT_EQ(std::adjacent_find(slow.numbers.begin(), slow.numbers.end()), slow.numbers.end())
        << "a frame was sent twice";
    EXPECT_LT(slow.numbers.size(), total_frames / 2) << "the slow viewer got a backlog, not fresh frames";
    // The frame it got on catching up was the newest one, straight after the few that were
    // already in the socket buffers when it stopped reading.
    auto at = std::find(slow.numbers.begin(), slow.numbers.end(), paused_frames);
    ASSERT_NE(at, slow.numbers.end());
    ASSERT_NE(at, slow.numbers.begin());
    EXPECT_LT(*(at - 1), paused_frames / 2) << "the slow viewer was sent frames from its pause";
    EXPECT_GT(cam.hub->stats().drops, 0u);
}

TEST(webcam_fanout, a_viewer_that_stops_reading_is_dropped_by_the_write_timeout) {
    bench_camera cam(200ms);
    webcam_server server(cam.io, cam.svc, 16 * 1024);
    stream_client_result dead;
    bool done = false;
    bool dropped = false;
    net::co_spawn(cam.io,
                  stream_client(
                      server.port(), dead, 4096, [&] { return !dead.numbers.empty(); }, [&] { return done; }),
                  net::detached);
    net::co_spawn(
        cam.io,
        [&]() -> net::awaitable<void> {
            co_await until([&] { return cam.hub->viewers() == 1; });
            net::steady_timer t(co_await net::this_coro::executor);
            // Keep frames coming (as a camera would) until the stuck viewer is gone.
            for (std::uint64_t n = 1; n < 100000 && cam.hub->viewers() > 0; ++n) {
                cam.hub->publish(pattern_frame(n));
                t.expires_after(10ms);
                co_await t.async_wait(net::as_tuple(use_awaitable));
            }
            dropped = cam.hub->viewers() == 0;
            done = true;
            cam.svc.stop();
            server.close();
        },
        net::detached);
    cam.io.run_for(120s);
    EXPECT_TRUE(dropped);
    EXPECT_EQ(dead.status, 200);
}

TEST(webcam_fanout, each_picture_of_a_stream_reaches_the_reading_hub_before_the_next_is_sent) {
    // The relay's chain without the tunnel: the edge's /webcam/stream writer, and the reader
    // that feeds the relay's hub (read_mjpeg_response, also the HTTP camera source). The
    // publisher sends a 640x480 picture (about 20 KiB) only once the previous one is in the
    // reading hub, so a reader that holds pictures back until it has read some amount (it
    // waited for 64 KiB: 15 fps in, bursts of three, 4 fps to every viewer) stalls this test.
    bench_camera cam(60s);
    webcam_server server(cam.io, cam.svc);
    auto relay_hub = std::make_shared<frame_hub>(cam.io.get_executor());
    auto relay_viewer = relay_hub->add_viewer();
    constexpr std::uint64_t total = 30;
    std::vector<frame_ptr> sent, received;
    bool stopped = false;
    common::any_stream upstream;
    net::co_spawn(
        cam.io,
        [&]() -> net::awaitable<void> {
            tcp::socket s(cam.io);
            auto [cec] = co_await s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()),
                                                  net::as_tuple(use_awaitable));
            if (cec) co_return;
            upstream = common::any_stream(std::move(s), "test");
            const std::string req = "GET /webcam/stream?camera=bench HTTP/1.1\r\nHost: t\r\n\r\n";
            co_await net::async_write(upstream, net::buffer(req), net::as_tuple(use_awaitable));
            co_await read_mjpeg_response(upstream, relay_hub, steady_clock_source::instance(), http_source_options{},
                                         stopped);
        },
        net::detached);
    net::co_spawn(
        cam.io,
        [&]() -> net::awaitable<void> {
            co_await until([&] { return cam.hub->viewers() == 1; });
            std::uint64_t last = 0;
            for (std::uint64_t n = 1; n <= total; ++n) {
                frame f;
                f.grab_time = f.encode_time = std::chrono::steady_clock::now();
                f.width = 640;
                f.height = 480;
                f.jpeg = render_test_pattern(n, std::chrono::system_clock::now(), 640, 480, 80);
                sent.push_back(cam.hub->publish(std::move(f)));
                // A bound for a failing run only: the picture is due as soon as it is read.
                auto got = co_await relay_viewer.next(last, 10s);
                if (!got) break;
                last = got->number;
                received.push_back(got);
            }
            stopped = true;
            upstream.close();
            cam.svc.stop();
            server.close();
        },
        net::detached);
    cam.io.run_for(120s);

    ASSERT_EQ(received.size(), total) << "picture " << received.size() + 1
                                      << " did not reach the reading hub until more bytes came";
    for (std::uint64_t i = 0; i < total; ++i) {
        EXPECT_EQ(received[i]->number, i + 1) << "the reading hub skipped a picture";
        EXPECT_EQ(received[i]->jpeg, sent[i]->jpeg) << i;
    }
    EXPECT_LT(sent.front()->jpeg.size(), 64u * 1024) << "pictures this large would not show the fault";
}

}  // namespace
