#include "sim_stats.hpp"

#include <cstdio>
#include <fstream>

namespace printgate::sim {

void sim_stats::line_accepted(bool numbered, time_point now) {
    ++counters.lines_accepted;
    if (!numbered) return;
    ++numbered_accepted_;
    if (!first_numbered_) first_numbered_ = now;
    last_numbered_ = now;
}

void sim_stats::numbered_line_executed(long n) {
    if (n != last_executed_ + 1) ++counters.gaps;
    if (executed_.contains(n)) ++counters.duplicates;
    executed_.insert(n);
    last_executed_ = n;
}

void sim_stats::line_numbers_reset(long last) {
    last_executed_ = last;
    executed_.clear();
}

double sim_stats::lines_per_s() const {
    if (!first_numbered_ || numbered_accepted_ < 2) return 0;
    const double seconds = std::chrono::duration<double>(last_numbered_ - *first_numbered_).count();
    return seconds > 0 ? static_cast<double>(numbered_accepted_) / seconds : 0;
}

nlohmann::json sim_stats::summary(bool sd_printing) const {
    return {
        {"lines_accepted", counters.lines_accepted},
        {"commands_executed", counters.commands_executed},
        {"gaps", counters.gaps},
        {"duplicates", counters.duplicates},
        {"resends_requested", counters.resends_requested},
        {"checksum_errors", counters.checksum_errors},
        {"line_number_errors", counters.line_number_errors},
        {"rx_overflow_bytes", counters.rx_overflow_bytes},
        {"lines_per_s", lines_per_s()},
        {"killed", counters.killed},
        {"resets", counters.resets},
        {"max_rx_used", counters.max_rx_used},
        {"max_command_slots_used", counters.max_command_slots_used},
        {"sd_printing", sd_printing},
    };
}

bool sim_stats::write_summary(const std::string& path, bool sd_printing) const {
    const std::string temp = path + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        out << summary(sd_printing).dump(2) << "\n";
        out.flush();
        if (!out) return false;
    }
    return std::rename(temp.c_str(), path.c_str()) == 0;
}

}  // namespace printgate::sim
