#include "paced_pipe.hpp"

#include <algorithm>

namespace printgate::sim {

void paced_pipe::push(time_point now, std::string_view bytes) {
    if (bytes.empty()) return;
    const time_point start = std::max(now + latency_, line_free_);
    line_free_ = start + byte_time_ * static_cast<long>(bytes.size());
    chunks_.push_back({start, std::string(bytes)});
    backlog_ += bytes.size();
}

std::string paced_pipe::take_due(time_point now) {
    std::string out;
    while (!chunks_.empty()) {
        auto& c = chunks_.front();
        const std::size_t left = c.bytes.size() - c.taken;
        std::size_t due = 0;
        if (now >= c.start) {
            if (byte_time_.count() == 0) {
                due = left;
            } else {
                const auto finished = static_cast<std::size_t>((now - c.start) / byte_time_);
                due = finished > c.taken ? std::min(left, finished - c.taken) : 0;
            }
        }
        out.append(c.bytes, c.taken, due);
        c.taken += due;
        backlog_ -= due;
        if (c.taken < c.bytes.size()) break;
        chunks_.pop_front();
    }
    return out;
}

std::optional<paced_pipe::time_point> paced_pipe::next_due() const {
    if (chunks_.empty()) return std::nullopt;
    const auto& c = chunks_.front();
    return c.start + byte_time_ * static_cast<long>(c.taken + 1);
}

void paced_pipe::clear() {
    chunks_.clear();
    backlog_ = 0;
    line_free_ = {};
}

}  // namespace printgate::sim
