#pragma once
// Calendar time, injected. printgate::clock (common/) is monotonic and restarts with the
// machine; TOTP steps, session expiry stored in SQLite and audit timestamps need time that
// means the same thing after a reboot, so they use this one.
#include <chrono>
#include <cstdint>

namespace printgate::auth {

class wall_clock {
public:
    using time_point = std::chrono::system_clock::time_point;
    using duration = std::chrono::system_clock::duration;

    virtual ~wall_clock() = default;
    virtual time_point now() const = 0;
};

class system_wall_clock final : public wall_clock {
public:
    time_point now() const override { return std::chrono::system_clock::now(); }
    static const system_wall_clock& instance();
};

// Only moves when told to: for tests.
class manual_wall_clock final : public wall_clock {
public:
    // 2023-11-14 22:13:20 UTC: a fixed, recent, round Unix time.
    explicit manual_wall_clock(time_point start = time_point{std::chrono::seconds(1'700'000'000)})
        : now_(start) {}
    time_point now() const override { return now_; }
    void advance(duration d) { now_ += d; }
    void set(time_point t) { now_ = t; }

private:
    time_point now_;
};

// SQLite stores instants as microseconds since the Unix epoch.
inline std::int64_t to_unix_micros(wall_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
inline wall_clock::time_point from_unix_micros(std::int64_t us) {
    return wall_clock::time_point{std::chrono::duration_cast<wall_clock::duration>(std::chrono::microseconds(us))};
}

}  // namespace printgate::auth
