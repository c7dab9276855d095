#pragma once
// Serialises writes to one Asio stream: callers append bytes, a single coroutine drains
// them. Bounded, because a host that never reads must not make the simulator grow forever;
// beyond the limit bytes are dropped like a USB device's output with nobody listening.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace printgate::sim {

namespace net = boost::asio;

template <class Stream>
class stream_writer {
public:
    stream_writer(Stream& stream, std::size_t limit) : stream_(stream), limit_(limit) {}

    void write(std::string_view bytes) {
        const std::size_t room = pending_.size() < limit_ ? limit_ - pending_.size() : 0;
        if (bytes.size() > room) {
            dropped_ += bytes.size() - room;
            bytes = bytes.substr(0, room);
        }
        pending_.append(bytes);
        if (writing_ || pending_.empty()) return;
        writing_ = true;
        net::co_spawn(stream_.get_executor(), run(generation_), net::detached);
    }

    // The stream was closed or replaced: forget what was queued for the old peer. A write
    // still in flight completes with an error and its coroutine leaves quietly.
    void reset() {
        ++generation_;
        pending_.clear();
        writing_ = false;
    }

    std::uint64_t dropped() const { return dropped_; }

private:
    net::awaitable<void> run(unsigned generation) {
        std::string chunk;
        while (generation == generation_ && !pending_.empty()) {
            chunk.swap(pending_);
            pending_.clear();
            auto [ec, n] =
                co_await net::async_write(stream_, net::buffer(chunk), net::as_tuple(net::use_awaitable));
            (void)n;
            if (generation != generation_) co_return;
            if (ec) {
                // The peer went away; the owner notices on its read side and resets us.
                pending_.clear();
                break;
            }
            chunk.clear();
        }
        writing_ = false;
    }

    Stream& stream_;
    std::size_t limit_;
    std::string pending_;
    bool writing_ = false;
    unsigned generation_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace printgate::sim
