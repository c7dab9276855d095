// The edge's side of the command protocol on the tunnel's control stream: a real edge_app
// (no printer connected), a real control channel over a loopback TCP pair; the test plays
// the relay's end of the channel.
#include "printgate/edge/control_bridge.hpp"
#include "printgate/edge/edge_app.hpp"
#include "printgate/tunnel/control.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace printgate::edge {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;

class control_bridge_test : public ::testing::Test {
protected:
    void SetUp() override {
        edge_config config;
        config.state_dir = dir.path() / "state";
        config.auto_connect = false;
        config.printer_id = "bench1";
        std::string why;
        app = edge_app::create(io.get_executor(), config, why);
        ASSERT_TRUE(app) << why;

        tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
        tcp::socket a(io), b(io);
        a.connect(acceptor.local_endpoint());
        acceptor.accept(b);
        edge_side = std::make_shared<tunnel::control_channel>(common::any_stream(std::move(a), "edge"));
        relay_side = std::make_shared<tunnel::control_channel>(common::any_stream(std::move(b), "relay"));
    }

    // Runs `body` as a coroutine on the test's io_context until it finishes.
    void run(std::function<net::awaitable<void>()> body) {
        bool done = false;
        net::co_spawn(
            io,
            [&]() -> net::awaitable<void> {
                co_await body();
                done = true;
                io.stop();
            },
            [](std::exception_ptr e) {
                if (e) std::rethrow_exception(e);
            });
        // An upper bound only, for a broken build: the body waits for messages, not time.
        io.run_for(std::chrono::seconds(60));
        EXPECT_TRUE(done) << "the relay's end did not get what it waited for";
    }

    net::awaitable<json> next() {
        auto [ec, message] = co_await relay_side->read();
        EXPECT_FALSE(ec) << ec.message();
        co_return message;
    }

    printgate::testing::temp_dir dir;
    net::io_context io;
    std::unique_ptr<edge_app> app;
    std::shared_ptr<tunnel::control_channel> edge_side, relay_side;
};

TEST_F(control_bridge_test, sends_the_current_status_when_the_stream_opens_then_pushes_without_terminal_lines) {
    control_bridge bridge(*app);
    bridge.opened(edge_side);
    // Built outside the coroutine (GCC 12 miscompiles braced JSON literals inside one).
    json terminal_data = {{"topic", "terminal"}, {"lines", json::array()}};
    const push_message terminal{"terminal", app->printer().envelope("status", terminal_data)};
    json event_data = {{"event", "print_started"}};
    const push_message started{"job", app->printer().envelope("event", event_data)};
    const std::vector<std::string> expected_topics = {"state", "temperatures", "progress"};
    run([&]() -> net::awaitable<void> {
        std::vector<std::string> topics;
        for (int i = 0; i < 3; ++i) {
            auto m = co_await next();
            EXPECT_EQ(m.value("type", ""), "status") << m;
            EXPECT_EQ(m.value("printer_id", ""), "bench1") << m;
            topics.push_back(m["data"].value("topic", ""));
        }
        EXPECT_EQ(topics, expected_topics);
        // Terminal lines stay on the WebSocket; the event that follows them comes through.
        app->publish(terminal);
        app->publish(started);
        auto m = co_await next();
        EXPECT_EQ(m.value("type", ""), "event") << m;
        EXPECT_EQ(m["data"].value("event", ""), "print_started") << m;
    });
}

TEST_F(control_bridge_test, commands_from_the_relay_get_the_same_checks_and_replies_as_the_websocket) {
    control_bridge bridge(*app);
    json opened;
    opened["type"] = tunnel::control_opened;
    // Outside run_edge_control there is no current channel: the notice changes nothing.
    bridge.on_message(opened);
    bridge.opened(edge_side);
    run([&]() -> net::awaitable<void> {
        for (int i = 0; i < 3; ++i) co_await next();

        // Out of range: an error naming the field, and nothing sent to the printer.
        bridge.on_message(json::parse(
            R"({"type":"temperature_control","action":"set_hotend","parameters":{"temperature":999},"id":"t1"})"));
        auto m = co_await next();
        EXPECT_EQ(m.value("type", ""), "error") << m;
        EXPECT_EQ(m.value("id", ""), "t1") << m;
        EXPECT_EQ(m["data"].value("field", ""), "parameters.temperature") << m;

        // Unknown field: refused as a whole.
        bridge.on_message(json::parse(R"({"type":"printer_control","action":"get_status","extra":1,"id":2})"));
        m = co_await next();
        EXPECT_EQ(m.value("type", ""), "error") << m;
        EXPECT_EQ(m["data"].value("field", ""), "extra") << m;

        // Valid, but the printer is not connected: refused with the reason.
        bridge.on_message(json::parse(
            R"({"type":"temperature_control","action":"set_bed","parameters":{"temperature":60},"id":"t3"})"));
        m = co_await next();
        EXPECT_EQ(m.value("type", ""), "error") << m;
        EXPECT_NE(m["data"].value("message", "").find("the printer is"), std::string::npos) << m;

        bridge.on_message(json::parse(R"({"type":"printer_control","action":"get_status","id":"s"})"));
        m = co_await next();
        EXPECT_EQ(m.value("type", ""), "response") << m;
        EXPECT_EQ(m.value("id", ""), "s") << m;
        EXPECT_TRUE(m["data"].contains("state")) << m;
        EXPECT_TRUE(m["data"].contains("job")) << m;
    });
    EXPECT_FALSE(app->printer().job_json().value("active", true));
}

TEST_F(control_bridge_test, after_the_stream_closed_nothing_is_sent_and_pushes_stop) {
    control_bridge bridge(*app);
    bridge.opened(edge_side);
    json closed;
    closed["type"] = tunnel::control_closed;
    bridge.on_message(closed);
    json event_data = {{"event", "print_started"}};
    const push_message started{"job", app->printer().envelope("event", event_data)};
    run([&]() -> net::awaitable<void> {
        for (int i = 0; i < 3; ++i) co_await next();
        app->publish(started);
        bridge.on_message(json::parse(R"({"type":"printer_control","action":"get_status","id":"s"})"));
        // The edge's end goes away: the relay's end reads the end of the stream, nothing else.
        edge_side->stream().close();
        auto [ec, message] = co_await relay_side->read();
        EXPECT_TRUE(ec) << message;
    });
}

}  // namespace
}  // namespace printgate::edge
