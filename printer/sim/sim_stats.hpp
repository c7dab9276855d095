#pragma once
// What the run did, for the --summary JSON: protocol counters and the order in which
// numbered lines were executed (gaps, duplicates).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "number_set.hpp"

namespace printgate::sim {

struct sim_counters {
    std::uint64_t lines_accepted = 0;     // serial lines that entered the command queue
    std::uint64_t commands_executed = 0;  // serial, SD and emergency-parser commands
    std::uint64_t gaps = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t resends_requested = 0;
    std::uint64_t checksum_errors = 0;  // mismatches and missing checksums
    std::uint64_t line_number_errors = 0;
    std::uint64_t rx_overflow_bytes = 0;
    std::uint64_t resets = 0;  // reset faults and vanish re-plugs
    std::size_t max_rx_used = 0;
    std::size_t max_command_slots_used = 0;
    bool killed = false;
};

class sim_stats {
public:
    using time_point = std::chrono::steady_clock::time_point;

    sim_counters counters;

    void line_accepted(bool numbered, time_point now);
    // A numbered line is about to execute: counts a gap when it does not follow the
    // previously executed number, a duplicate when it already ran since the last reset.
    void numbered_line_executed(long n);
    // M110 N<last> executed, or the firmware reset (last = 0).
    void line_numbers_reset(long last);

    double lines_per_s() const;
    nlohmann::json summary(bool sd_printing) const;
    // Writes the summary through a temporary file, so a reader never sees half of it.
    bool write_summary(const std::string& path, bool sd_printing) const;

private:
    long last_executed_ = 0;
    number_set executed_;
    std::uint64_t numbered_accepted_ = 0;
    std::optional<time_point> first_numbered_;
    time_point last_numbered_{};
};

}  // namespace printgate::sim
