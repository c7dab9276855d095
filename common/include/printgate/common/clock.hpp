#pragma once
// Time is injected so that every timing rule (watchdogs, timeouts, rate limits, backoff)
// can be tested in microseconds instead of seconds.
#include <chrono>

namespace printgate {

class clock {
public:
    using duration = std::chrono::steady_clock::duration;
    using time_point = std::chrono::steady_clock::time_point;

    virtual ~clock() = default;
    virtual time_point now() const = 0;
};

// The process-wide monotonic clock.
class steady_clock_source final : public clock {
public:
    time_point now() const override;
    static const steady_clock_source& instance();
};

// A clock that only moves when told to: for tests.
class manual_clock final : public clock {
public:
    explicit manual_clock(time_point start = time_point{} + std::chrono::hours(1)) : now_(start) {}
    time_point now() const override { return now_; }
    void advance(duration d) { now_ += d; }
    void set(time_point t) { now_ = t; }

private:
    time_point now_;
};

}  // namespace printgate
