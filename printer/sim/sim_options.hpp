#pragma once
// Everything printgate-sim can be told on its command line, already validated.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "fault_plan.hpp"

namespace printgate::sim {

struct sim_options {
    // Exactly one of the two transports.
    std::optional<std::string> pty_link;
    std::optional<std::string> tcp_host;
    std::uint16_t tcp_port = 0;

    unsigned baud = 250000;  // 0 = unpaced
    std::chrono::microseconds usb_latency{1000};
    std::chrono::microseconds cmd_time{500};
    std::size_t command_slots = 4;
    std::size_t planner_blocks = 16;
    std::size_t rx_buffer = 128;
    bool advanced_ok = false;
    bool autoreport = true;
    bool emergency_parser = true;
    double busy_interval_s = 2;
    unsigned extruders = 1;
    bool chamber = false;
    bool motion_time = true;
    double home_time_s = 2;
    double hotend_tau_s = 25;  // about 8 C/s at first towards 210 C, like a real hotend
    double bed_tau_s = 25;
    std::map<std::string, std::string> sd_files;  // name -> content
    bool sd_card = true;  // false: firmware built without SD support (Cap:SDCARD:0, M20-M27 unknown)
    fault_plan faults;
    std::string log_file;
    std::string summary_file;
    bool verbose = false;
};

// Parses argv. On success returns the options; otherwise prints the reason (or the help)
// and sets exit_code (2 for a bad command line, 0 for --help).
std::optional<sim_options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace printgate::sim
