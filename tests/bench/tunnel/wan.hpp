#pragma once
// The "wan" part of bench tunnel: the relay on a VPS, the printer at home, a long link
// between them (delay_line), the browser near the relay. A single upload through printgate
// (edge's tunnel across the line), through ssh -R (ssh's connection to sshd across an
// identical line) and raw TCP through the same line (the ceiling), per round trip; then a
// single download the other way through each.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "load.hpp"

namespace printgate::bench {

struct wan_setup {
    std::filesystem::path dir;    // scratch space (sshd keys, copies of the edge's state)
    std::uint16_t sink_port = 0;  // the sink at home that ssh -R forwards to
    std::uint16_t relay_tunnel_port = 0;
    target printgate;                  // the relay's browser listener for the paired device
    std::filesystem::path edge_state;  // that device's paired state (not connected elsewhere)
    bool with_ssh = true;
    double link_mbps = 1000;
    std::size_t window = 0;                 // the line's TCP window model (link_shape::window; 0: tuned hosts)
    std::uint64_t bytes = 0;                // per upload
    std::uint32_t edge_initial_window = 0;  // an experiment: the edge's streams start larger
    int rounds = 2;                         // best kept
};

struct wan_point {
    int rtt_ms = 0;
    double tunnel_mbps = 0, ssh_mbps = 0, raw_mbps = 0;                 // upload: browser to printer
    double down_tunnel_mbps = 0, down_ssh_mbps = 0, down_raw_mbps = 0;  // download: printer to browser
};

// One point per round trip, printed as it is measured. `error` gets the first failure.
std::vector<wan_point> measure_wan(const wan_setup& setup, const std::vector<int>& rtts_ms, std::string& error);

}  // namespace printgate::bench
