// The demand rule (a source runs only while someone wants frames, then lingers and closes),
// stream_on/stream_off, snapshots that wake an idle source, providers, config checks, and
// the http:// address parser of the HTTP source.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <printgate/camera/camera_service.hpp>
#include <printgate/camera/http_mjpeg_source.hpp>

namespace {

using namespace printgate;
using namespace printgate::camera;
using namespace std::chrono_literals;

// A source that publishes one frame when started (on the executor) and records its life.
class fake_source final : public frame_source {
public:
    explicit fake_source(std::shared_ptr<frame_hub> hub) : hub_(std::move(hub)) {}
    void start() override {
        if (running_) return;
        running_ = true;
        ++starts;
        boost::asio::post(hub_->executor(), [this] {
            if (!running_) return;
            frame f;
            f.jpeg = {0xff, 0xd8, 0xff, 0xd9};
            hub_->publish(std::move(f));
        });
    }
    void stop() override {
        if (running_) ++stops;
        running_ = false;
    }
    bool running() const override { return running_; }
    std::string last_error() const override { return {}; }
    int starts = 0;
    int stops = 0;

private:
    std::shared_ptr<frame_hub> hub_;
    bool running_ = false;
};

struct fixture {
    boost::asio::io_context io;
    std::shared_ptr<frame_hub> hub = std::make_shared<frame_hub>(io.get_executor());
    fake_source* source = nullptr;
    std::unique_ptr<camera_unit> cam;
    fixture() {
        camera_config c;
        c.idle_linger = 1ms;
        auto s = std::make_unique<fake_source>(hub);
        source = s.get();
        cam = std::make_unique<camera_unit>(io.get_executor(), c, steady_clock_source::instance(), std::move(s), hub);
    }
};

TEST(camera_unit, source_runs_only_while_someone_watches) {
    fixture f;
    EXPECT_FALSE(f.source->running());
    {
        auto v = f.hub->add_viewer();
        EXPECT_TRUE(f.source->running());
        auto w = f.hub->add_viewer();
        EXPECT_EQ(f.source->starts, 1);
    }
    EXPECT_TRUE(f.source->running());  // lingers
    f.io.run();
    EXPECT_FALSE(f.source->running());
    EXPECT_EQ(f.source->stops, 1);
}

TEST(camera_unit, a_viewer_coming_back_within_the_linger_keeps_the_source) {
    fixture f;
    { auto v = f.hub->add_viewer(); }
    auto again = f.hub->add_viewer();
    f.io.run();
    EXPECT_TRUE(f.source->running());
    EXPECT_EQ(f.source->starts, 1);
    EXPECT_EQ(f.source->stops, 0);
}

TEST(camera_unit, hold_keeps_the_source_without_viewers) {
    fixture f;
    f.cam->hold(true);
    f.io.run();
    EXPECT_TRUE(f.source->running());
    EXPECT_EQ(f.hub->viewers(), 0u);
    f.cam->hold(false);
    f.io.restart();
    f.io.run();
    EXPECT_FALSE(f.source->running());
}

TEST(camera_service, snapshot_wakes_an_idle_source_and_returns_its_frame) {
    boost::asio::io_context io;
    camera_config c;
    c.width = 160;
    c.height = 120;
    c.fps = 30;
    c.idle_linger = 1ms;
    camera_service svc(io.get_executor(), {c});
    frame_ptr got;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            got = co_await svc.snapshot("");
            svc.stop();
        },
        boost::asio::detached);
    io.run();
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->width, 160);
    EXPECT_GE(got->jpeg.size(), 100u);
    EXPECT_FALSE(svc.find("default")->source_running());
}

TEST(camera_service, providers_and_unknown_cameras) {
    boost::asio::io_context io;
    camera_config a;
    a.name = "front";
    camera_config b;
    b.name = "top";
    b.kind = source_kind::http;
    b.url = "http://192.0.2.10:8080/?action=stream";
    camera_service svc(io.get_executor(), {a, b});
    auto p = svc.get_providers();
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].name, "front");
    EXPECT_EQ(p[0].kind, "test");
    EXPECT_EQ(p[1].kind, "http");
    EXPECT_EQ(p[1].address, "http://192.0.2.10:8080/?action=stream");
    EXPECT_FALSE(p[1].running);
    EXPECT_EQ(svc.find(""), svc.find("front"));
    EXPECT_EQ(svc.find("nope"), nullptr);
    EXPECT_FALSE(svc.stream_on("nope"));
    EXPECT_TRUE(svc.stream_on("front"));
    EXPECT_TRUE(svc.find("front")->source_running());
    EXPECT_TRUE(svc.stream_off("front"));
    svc.stop();
}

TEST(camera_config, validation_names_the_field) {
    camera_config c;
    EXPECT_EQ(validate(c), "");
    c.name = "a b";
    EXPECT_NE(validate(c).find("name"), std::string::npos);
    c = {};
    c.fps = 0;
    EXPECT_NE(validate(c).find("fps"), std::string::npos);
    c = {};
    c.kind = source_kind::http;
    c.url = "ftp://x";
    EXPECT_NE(validate(c).find("url"), std::string::npos);
    c = {};
    c.kind = source_kind::v4l2;
    c.device = "video0";
    EXPECT_NE(validate(c).find("device"), std::string::npos);
    EXPECT_EQ(parse_source_kind("v4l2"), source_kind::v4l2);
    EXPECT_EQ(parse_source_kind("usb"), std::nullopt);
    boost::asio::io_context io;
    camera_config dup;
    EXPECT_THROW(camera_service(io.get_executor(), {dup, dup}), std::invalid_argument);
}

TEST(http_url, parses_camera_addresses) {
    auto u = parse_http_url("http://cam.local:8080/?action=stream");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->host, "cam.local");
    EXPECT_EQ(u->port, "8080");
    EXPECT_EQ(u->target, "/?action=stream");
    EXPECT_EQ(u->authorization, "");
    auto a = parse_http_url("http://admin:secret@192.0.2.5/video.mjpg");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->host, "192.0.2.5");
    EXPECT_EQ(a->port, "80");
    EXPECT_EQ(a->authorization, "Basic YWRtaW46c2VjcmV0");
    auto v6 = parse_http_url("http://[::1]:81");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->target, "/");
    EXPECT_FALSE(parse_http_url("https://cam/"));
    EXPECT_FALSE(parse_http_url("http://cam:port/"));
    EXPECT_FALSE(parse_http_url("http://:80/"));
    EXPECT_FALSE(parse_http_url("http://cam/a\r\nInjected: 1"));
}

}  // namespace
