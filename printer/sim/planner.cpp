#include "planner.hpp"

#include <algorithm>

namespace printgate::sim {

void planner::retire(time_point now) {
    while (!blocks_.empty() && blocks_.front().end <= now) {
        parked_ = blocks_.front().to;
        blocks_.pop_front();
    }
}

std::size_t planner::free_blocks(time_point now) {
    retire(now);
    return capacity_ - std::min(capacity_, blocks_.size());
}

planner::time_point planner::next_free_at() const {
    return blocks_.empty() ? time_point{} : blocks_.front().end;
}

void planner::add(time_point now, const axes& from, const axes& to, duration d) {
    retire(now);
    if (!motion_time_ || d <= duration::zero()) {
        // Nothing to wait for: the move is done as soon as the ones before it are.
        if (blocks_.empty()) {
            parked_ = to;
            return;
        }
        d = duration::zero();
    }
    const time_point start = std::max(now, busy_until_);
    busy_until_ = start + d;
    blocks_.push_back({start, busy_until_, from, to});
}

axes planner::stepper_position(time_point now) {
    retire(now);
    if (blocks_.empty() || blocks_.front().start >= now) return parked_;
    const block& b = blocks_.front();
    const double f = std::chrono::duration<double>(now - b.start) / (b.end - b.start);
    auto lerp = [f](double a, double c) { return a + (c - a) * f; };
    return {lerp(b.from.x, b.to.x), lerp(b.from.y, b.to.y), lerp(b.from.z, b.to.z), lerp(b.from.e, b.to.e)};
}

axes planner::quick_stop(time_point now) {
    parked_ = stepper_position(now);
    blocks_.clear();
    busy_until_ = now;
    return parked_;
}

void planner::reset() {
    blocks_.clear();
    busy_until_ = {};
    parked_ = {};
}

}  // namespace printgate::sim
