#include "printgate/edge/push_hub.hpp"

#include <gtest/gtest.h>

using namespace printgate::edge;

TEST(push_queue, newer_temperature_replaces_the_queued_one) {
    push_queue q(8);
    q.push("temperatures", "t1");
    q.push("event", "e1");
    q.push("temperatures", "t2");
    EXPECT_EQ(q.size(), 2u);
    EXPECT_EQ(q.pop().value_or(""), "e1");
    EXPECT_EQ(q.pop().value_or(""), "t2");
    EXPECT_FALSE(q.pop());
}

TEST(push_queue, full_queue_drops_stale_samples_before_events) {
    push_queue q(3);
    q.push("event", "e1");
    q.push("terminal", "l1");
    q.push("temperatures", "t1");
    q.push("event", "e2");  // drops t1
    q.push("event", "e3");  // drops l1
    q.push("event", "e4");  // only events left: the oldest goes
    EXPECT_EQ(q.size(), 3u);
    EXPECT_EQ(q.dropped(), 3u);
    EXPECT_EQ(q.pop().value_or(""), "e2");
    EXPECT_EQ(q.pop().value_or(""), "e3");
    EXPECT_EQ(q.pop().value_or(""), "e4");
}

TEST(push_hub, slow_client_does_not_hold_others) {
    push_hub hub;
    auto slow = std::make_shared<push_client>(4);
    auto fast = std::make_shared<push_client>(4);
    int wakes = 0;
    fast->wake = [&] { ++wakes; };
    hub.add(slow);
    hub.add(fast);
    for (int i = 0; i < 100; ++i) {
        hub.publish("temperatures", "t" + std::to_string(i));
        while (fast->queue.pop()) {
        }
    }
    EXPECT_EQ(wakes, 100);
    EXPECT_EQ(slow->queue.size(), 1u);  // only the newest sample is kept
    EXPECT_EQ(slow->queue.pop().value_or(""), "t99");
    slow.reset();
    EXPECT_EQ(hub.clients(), 1u);
}
