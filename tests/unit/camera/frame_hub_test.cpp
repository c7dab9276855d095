// Latest-frame slots: a viewer gets the newest frame, never a queue; skipped frames are
// counted; the per-viewer rate cap; demand and viewer counts; async waits wake on publish.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <printgate/camera/frame_hub.hpp>
#include <thread>

namespace {

using namespace printgate;
using namespace printgate::camera;
using namespace std::chrono_literals;

frame make(std::uint8_t tag) {
    frame f;
    f.jpeg = {0xff, 0xd8, tag, 0xff, 0xd9};
    return f;
}

TEST(frame_hub, numbers_frames_and_keeps_the_latest) {
    boost::asio::io_context io;
    manual_clock clk;
    auto hub = std::make_shared<frame_hub>(io.get_executor(), clk);
    EXPECT_EQ(hub->latest(), nullptr);
    auto a = hub->publish(make(1));
    clk.advance(5ms);
    auto b = hub->publish(make(2));
    EXPECT_EQ(a->number, 1u);
    EXPECT_EQ(b->number, 2u);
    EXPECT_EQ(hub->latest(), b);
    EXPECT_EQ(b->expose_time - a->expose_time, 5ms);
}

TEST(frame_slot, slow_viewer_gets_the_newest_frame_and_skips_the_rest) {
    boost::asio::io_context io;
    manual_clock clk;
    auto hub = std::make_shared<frame_hub>(io.get_executor(), clk);
    auto fast = hub->add_viewer();
    auto slow = hub->add_viewer();
    std::vector<std::uint64_t> fast_seen;
    for (int i = 1; i <= 10; ++i) {
        hub->publish(make(static_cast<std::uint8_t>(i)));
        auto f = fast.slot().try_take(fast_seen.empty() ? 0 : fast_seen.back());
        ASSERT_NE(f, nullptr);
        fast_seen.push_back(f->number);
    }
    EXPECT_EQ(fast_seen, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    auto s = slow.slot().try_take(0);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->number, 10u);  // the newest, not the oldest
    EXPECT_EQ(slow.slot().skipped(), 9u);
    EXPECT_EQ(fast.slot().skipped(), 0u);
    EXPECT_EQ(slow.slot().try_take(10), nullptr);  // nothing newer: no repeat
    EXPECT_EQ(hub->stats().drops, 9u);
    EXPECT_EQ(hub->stats().frames_out, 11u);
}

TEST(frame_slot, rate_cap_spaces_frames_by_the_injected_clock) {
    boost::asio::io_context io;
    manual_clock clk;
    auto hub = std::make_shared<frame_hub>(io.get_executor(), clk);
    auto capped = hub->add_viewer({5.0, true});  // 200 ms apart
    std::uint64_t last = 0;
    int got = 0;
    // A 30 fps source for two seconds: the capped viewer takes 10 frames, evenly.
    for (int i = 0; i < 60; ++i) {
        hub->publish(make(0));
        if (auto f = capped.slot().try_take(last)) {
            last = f->number;
            ++got;
        }
        clk.advance(std::chrono::microseconds(33334));
    }
    EXPECT_EQ(got, 10);
    auto uncapped = hub->add_viewer();
    hub->publish(make(0));
    EXPECT_NE(uncapped.slot().try_take(0), nullptr);
}

TEST(frame_hub, counts_viewers_and_reports_demand_changes) {
    boost::asio::io_context io;
    manual_clock clk;
    auto hub = std::make_shared<frame_hub>(io.get_executor(), clk);
    std::vector<std::size_t> demand;
    hub->on_demand_changed([&](std::size_t d) { demand.push_back(d); });
    {
        auto a = hub->add_viewer();
        auto hold = hub->add_viewer({0, false});
        EXPECT_EQ(hub->viewers(), 1u);
        EXPECT_EQ(hub->demand(), 2u);
        auto moved = std::move(a);
        EXPECT_EQ(hub->viewers(), 1u);
    }
    EXPECT_EQ(hub->viewers(), 0u);
    EXPECT_EQ(demand, (std::vector<std::size_t>{1, 2, 1, 0}));
}

TEST(frame_hub, with_latest_starts_a_viewer_on_the_current_frame) {
    boost::asio::io_context io;
    manual_clock clk;
    auto hub = std::make_shared<frame_hub>(io.get_executor(), clk);
    hub->publish(make(1));
    auto plain = hub->add_viewer();
    auto primed = hub->add_viewer({}, true);
    EXPECT_EQ(plain.slot().try_take(0), nullptr);
    ASSERT_NE(primed.slot().try_take(0), nullptr);
}

TEST(frame_slot, async_next_wakes_on_publish_and_times_out_without_one) {
    boost::asio::io_context io;
    auto hub = std::make_shared<frame_hub>(io.get_executor());
    auto v = hub->add_viewer();
    std::vector<std::uint64_t> got;
    bool timed_out = false;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            std::uint64_t last = 0;
            for (int i = 0; i < 3; ++i) {
                auto f = co_await v.next(last, 10s);
                if (!f) co_return;
                got.push_back(f->number);
                last = f->number;
                // The publisher waits for us: publish the next one from here.
                boost::asio::post(io, [&] { hub->publish(make(0)); });
            }
            timed_out = (co_await v.next(100, 1ms)) == nullptr;
        },
        boost::asio::detached);
    boost::asio::post(io, [&] { hub->publish(make(0)); });
    io.run();
    EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_TRUE(timed_out);
}

TEST(frame_slot, closing_the_hub_wakes_waiters_with_nothing) {
    boost::asio::io_context io;
    auto hub = std::make_shared<frame_hub>(io.get_executor());
    auto v = hub->add_viewer();
    bool woke_empty = false;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { woke_empty = (co_await v.next(0, 60s)) == nullptr; },
        boost::asio::detached);
    boost::asio::post(io, [&] { hub->close(); });
    io.run();
    EXPECT_TRUE(woke_empty);
    EXPECT_TRUE(v.slot().closed());
}

TEST(frame_hub, frames_from_another_thread_arrive_in_order) {
    boost::asio::io_context io;
    auto hub = std::make_shared<frame_hub>(io.get_executor());
    std::thread producer([weak = std::weak_ptr<frame_hub>(hub)] {
        for (int i = 0; i < 50; ++i) frame_hub::publish_from_any_thread(weak, make(static_cast<std::uint8_t>(i)));
    });
    producer.join();
    io.run();
    ASSERT_NE(hub->latest(), nullptr);
    EXPECT_EQ(hub->latest()->number, 50u);
    EXPECT_EQ(hub->latest()->jpeg[2], 49);
}

}  // namespace
