#pragma once
// One direction of a serial line: bytes become available to the far end no earlier than
// (time sent + USB latency), and no faster than one byte per 10/baud seconds.
#include <chrono>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace printgate::sim {

class paced_pipe {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using duration = std::chrono::nanoseconds;

    paced_pipe(duration byte_time, duration latency) : byte_time_(byte_time), latency_(latency) {}

    void push(time_point now, std::string_view bytes);
    // Every byte that has finished its trip by now, in order.
    std::string take_due(time_point now);
    // When the next byte finishes its trip; nullopt when the pipe is empty.
    std::optional<time_point> next_due() const;
    std::size_t backlog() const { return backlog_; }
    void clear();

private:
    struct chunk {
        time_point start;  // the first byte is due at start + byte_time
        std::string bytes;
        std::size_t taken = 0;
    };

    duration byte_time_;
    duration latency_;
    std::deque<chunk> chunks_;
    time_point line_free_{};  // when the wire finishes the last byte pushed so far
    std::size_t backlog_ = 0;
};

}  // namespace printgate::sim
