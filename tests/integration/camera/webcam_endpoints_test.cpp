// The /webcam endpoints over real loopback sockets, served by camera::serve() on an
// any_stream the way the edge mounts them: snapshot (newest bytes, scaled through DCT
// scaling), state JSON, providers, mjpg-streamer aliases, stream framing, errors, keep-alive.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <printgate/camera/jpeg.hpp>

#include "webcam_harness.hpp"

namespace {

using namespace printgate;
using namespace printgate::camera;
using namespace printgate::camera::testing;
using namespace std::chrono_literals;

struct webcam : ::testing::Test {
    net::io_context io;
    camera_service svc{io.get_executor(), {[] {
                           camera_config c;
                           c.name = "front";
                           c.width = 320;
                           c.height = 240;
                           c.fps = 30;
                           return c;
                       }()}};
    webcam_server server{io, svc};

    // Runs `body` to completion on the io_context, then shuts everything down.
    void run(std::function<net::awaitable<void>()> body) {
        bool finished = false;
        net::co_spawn(
            io,
            [&]() -> net::awaitable<void> {
                co_await body();
                finished = true;
                svc.stop();
                server.close();
            },
            net::detached);
        io.run_for(60s);
        ASSERT_TRUE(finished);
    }
};

TEST_F(webcam, snapshot_is_the_cameras_jpeg_with_its_frame_number) {
    run([&]() -> net::awaitable<void> {
        auto r = co_await http_get(server.port(), "/webcam/snapshot");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.headers["content-type"], "image/jpeg");
        EXPECT_EQ(r.headers["content-length"], std::to_string(r.body.size()));
        EXPECT_FALSE(r.headers["x-frame-number"].empty());
        auto size = jpeg_dimensions(std::span(reinterpret_cast<const std::uint8_t*>(r.body.data()), r.body.size()));
        EXPECT_TRUE(size && size->width == 320 && size->height == 240);
        if (r.body.size() < 4) {
            ADD_FAILURE() << "empty snapshot";
            co_return;
        }
        EXPECT_EQ(r.body.substr(0, 2), "\xff\xd8");
        EXPECT_EQ(r.body.substr(r.body.size() - 2), "\xff\xd9");

        auto alias = co_await http_get(server.port(), "/webcam/?action=snapshot");
        EXPECT_EQ(alias.status, 200);
        EXPECT_EQ(alias.headers["content-type"], "image/jpeg");
    });
}

TEST_F(webcam, scaled_snapshots) {
    run([&]() -> net::awaitable<void> {
        for (int d : {2, 4, 8}) {
            auto r = co_await http_get(server.port(), "/webcam/snapshot?scale=" + std::to_string(d));
            EXPECT_EQ(r.status, 200);
            auto size = jpeg_dimensions(std::span(reinterpret_cast<const std::uint8_t*>(r.body.data()), r.body.size()));
            EXPECT_TRUE(size && size->width == 320 / d && size->height == 240 / d) << d;
        }
        auto bad = co_await http_get(server.port(), "/webcam/snapshot?scale=3");
        EXPECT_EQ(bad.status, 400);
    });
}

TEST_F(webcam, state_and_providers_are_json) {
    run([&]() -> net::awaitable<void> {
        co_await http_get(server.port(), "/webcam/snapshot");
        auto r = co_await http_get(server.port(), "/webcam/state?camera=front");
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(r.headers["content-type"], "application/json");
        auto j = nlohmann::json::parse(r.body);
        for (const char* key : {"fps_in", "fps_out", "viewers", "drops", "latency_ms", "running"})
            EXPECT_TRUE(j.contains(key)) << key;
        EXPECT_EQ(j["camera"], "front");
        EXPECT_GT(j["frame"]["number"].get<std::uint64_t>(), 0u);
        EXPECT_EQ(j["frame"]["width"], 320);
        auto p = co_await http_get(server.port(), "/webcam/providers");
        auto pj = nlohmann::json::parse(p.body);
        EXPECT_EQ(pj["providers"].size(), 1u);
        if (pj["providers"].empty()) co_return;
        EXPECT_EQ(pj["providers"][0]["name"], "front");
    });
}

TEST_F(webcam, stream_sends_parts_with_content_length_and_the_alias_works) {
    run([&]() -> net::awaitable<void> {
        for (std::string target : {"/webcam/stream", "/webcam?action=stream&fps=10"}) {
            tcp::socket s(io);
            co_await s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()), use_awaitable);
            std::string req = "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n";
            co_await net::async_write(s, net::buffer(req), use_awaitable);
            net::streambuf buf;
            auto n = co_await net::async_read_until(s, buf, "\r\n\r\n", use_awaitable);
            std::string head(net::buffers_begin(buf.data()),
                             net::buffers_begin(buf.data()) + static_cast<std::ptrdiff_t>(n));
            buf.consume(n);
            auto reply = parse_head(head);
            EXPECT_EQ(reply.status, 200);
            auto boundary = boundary_from_content_type(reply.headers["content-type"]);
            EXPECT_EQ(reply.headers["content-type"].rfind("multipart/x-mixed-replace", 0), 0u);
            if (!boundary) co_return;
            multipart_parser mp(*boundary);
            std::vector<std::uint64_t> numbers;
            auto on_part = [&](multipart_part&& part) {
                EXPECT_EQ(part.header("Content-Length"), std::to_string(part.body.size()));
                EXPECT_TRUE(jpeg_dimensions(part.body));
                numbers.push_back(std::stoull(std::string(part.header("X-Frame-Number"))));
            };
            std::string left(net::buffers_begin(buf.data()), net::buffers_end(buf.data()));
            mp.feed(left, on_part);
            std::vector<std::uint8_t> chunk(16 * 1024);
            while (numbers.size() < 3) {
                auto got = co_await s.async_read_some(net::buffer(chunk), use_awaitable);
                EXPECT_EQ(mp.feed(std::span<const std::uint8_t>(chunk.data(), got), on_part), multipart_error::none);
            }
            EXPECT_TRUE(std::is_sorted(numbers.begin(), numbers.end()));
            EXPECT_EQ(std::adjacent_find(numbers.begin(), numbers.end()), numbers.end());
        }
    });
}

TEST_F(webcam, errors_and_keep_alive) {
    run([&]() -> net::awaitable<void> {
        EXPECT_EQ((co_await http_get(server.port(), "/webcam/nothing")).status, 404);
        EXPECT_EQ((co_await http_get(server.port(), "/webcam/snapshot?camera=back")).status, 404);
        EXPECT_EQ((co_await http_get(server.port(), "/webcam/stream?fps=0")).status, 400);
        auto post = co_await http_get(server.port(), "/webcam/snapshot", "POST");
        EXPECT_EQ(post.status, 405);
        EXPECT_EQ(post.headers["allow"], "GET, HEAD");
        auto head = co_await http_get(server.port(), "/webcam/snapshot", "HEAD");
        EXPECT_EQ(head.status, 200);
        EXPECT_TRUE(head.body.empty());
        EXPECT_GT(std::stoul(head.headers["content-length"]), 100u);

        // Two requests on one connection.
        tcp::socket s(io);
        co_await s.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()), use_awaitable);
        std::string two =
            "GET /webcam/state HTTP/1.1\r\nHost: t\r\n\r\n"
            "GET /webcam/providers HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
        co_await net::async_write(s, net::buffer(two), use_awaitable);
        std::string all;
        auto [ec, n] = co_await net::async_read(s, net::dynamic_buffer(all), net::as_tuple(use_awaitable));
        (void)ec;
        (void)n;
        EXPECT_NE(all.find("Connection: keep-alive"), std::string::npos);
        EXPECT_NE(all.find("\"providers\""), std::string::npos);
    });
}

TEST(webcam_target, recognises_camera_paths_only) {
    EXPECT_TRUE(is_camera_target("/webcam"));
    EXPECT_TRUE(is_camera_target("/webcam/"));
    EXPECT_TRUE(is_camera_target("/webcam/?action=stream"));
    EXPECT_TRUE(is_camera_target("/webcam/snapshot?scale=2"));
    EXPECT_FALSE(is_camera_target("/webcamx"));
    EXPECT_FALSE(is_camera_target("/api/webcam"));
    EXPECT_FALSE(is_camera_target("/?action=stream"));
}

}  // namespace
