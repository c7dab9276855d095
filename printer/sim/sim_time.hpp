#pragma once
// Options and G-code speak in (fractional) seconds; timers want steady_clock durations.
#include <chrono>

namespace printgate::sim {

// G-code values are untrusted: negative or NaN is nothing, and anything beyond 10^6 s (11 days)
// is 10^6 s, so that neither the conversion nor a full planner's worth of such moves added
// to the clock can overflow.
inline std::chrono::steady_clock::duration from_seconds(double s) {
    constexpr double longest = 1e6;
    if (!(s > 0)) return std::chrono::steady_clock::duration::zero();
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(s < longest ? s : longest));
}

}  // namespace printgate::sim
