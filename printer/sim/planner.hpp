#pragma once
// The motion planner's ring of blocks, moving in real time: a block runs for its duration
// after the one before it, and leaves the ring when done. Nothing ticks: occupancy and the
// stepper position are computed from the clock when asked.
#include <chrono>
#include <deque>

#include "axes.hpp"

namespace printgate::sim {

class planner {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using duration = std::chrono::steady_clock::duration;

    planner(std::size_t capacity, bool motion_time) : capacity_(capacity), motion_time_(motion_time) {}

    std::size_t free_blocks(time_point now);
    bool full(time_point now) { return free_blocks(now) == 0; }
    bool empty(time_point now) { return free_blocks(now) == capacity_; }
    // When the running block ends and frees a slot (meaningful when not empty).
    time_point next_free_at() const;
    // When the last queued block ends.
    time_point drained_at() const { return busy_until_; }

    // Queues a move; the caller has waited until there is room.
    void add(time_point now, const axes& from, const axes& to, duration d);
    // Where the steppers are: interpolated inside the running block.
    axes stepper_position(time_point now);
    // M410 / kill: drop every block; the steppers stop where they are.
    axes quick_stop(time_point now);
    // After homing (the planner is empty): the steppers are at `where`.
    void set_position(const axes& where) { parked_ = where; }
    // A reset: empty, at the origin.
    void reset();

private:
    struct block {
        time_point start;
        time_point end;
        axes from;
        axes to;
    };
    void retire(time_point now);

    std::size_t capacity_;
    bool motion_time_;
    std::deque<block> blocks_;
    time_point busy_until_{};
    axes parked_{};  // the end of the last finished block
};

}  // namespace printgate::sim
