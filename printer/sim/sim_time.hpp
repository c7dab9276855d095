#pragma once
// Options and G-code speak in (fractional) seconds; timers want steady_clock durations.
#include <chrono>

namespace printgate::sim {

inline std::chrono::steady_clock::duration from_seconds(double s) {
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace printgate::sim
