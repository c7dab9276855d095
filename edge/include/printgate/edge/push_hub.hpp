#pragma once
// Fans pushes out to WebSocket clients, each with its own bounded queue, so a slow client
// never slows the printer or the others: when a queue is full, stale temperature samples go
// first, then terminal lines and progress, and only then the oldest of anything else.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace printgate::edge {

class push_queue {
public:
    explicit push_queue(std::size_t limit) : limit_(limit < 2 ? 2 : limit) {}
    // A newer temperature sample replaces a queued one (nobody wants the old one).
    void push(const std::string& topic, std::string text);
    std::optional<std::string> pop();
    std::size_t size() const { return items_.size(); }
    std::uint64_t dropped() const { return dropped_; }

private:
    struct item {
        std::string topic;
        std::string text;
    };
    bool drop_first_of(const std::string& topic);
    std::size_t limit_;
    std::deque<item> items_;
    std::uint64_t dropped_ = 0;
};

// One connected client: its queue and how to wake its writer.
struct push_client {
    push_queue queue;
    std::function<void()> wake;
    std::function<bool(const std::string& topic)> wants;  // empty: every topic
    explicit push_client(std::size_t limit) : queue(limit) {}
};

class push_hub {
public:
    void add(const std::shared_ptr<push_client>& client);
    void publish(const std::string& topic, const std::string& text);
    std::size_t clients();
    // Some client would take a push of `topic`.
    bool wants(const std::string& topic);

private:
    std::vector<std::weak_ptr<push_client>> clients_;
};

}  // namespace printgate::edge
