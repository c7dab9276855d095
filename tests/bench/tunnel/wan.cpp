#include "wan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "delay_line.hpp"
#include "peers.hpp"
#include "printgate_side.hpp"
#include "temp_dir.hpp"

namespace printgate::bench {

namespace {

// OpenSSH's window for a forwarded channel (CHAN_TCP_WINDOW_DEFAULT in channels.h, 2 MiB
// in 9.2): at most that much per round trip, whatever the link.
constexpr double ssh_channel_window = 2.0 * 1024 * 1024;

// A copy of the paired device's state whose relay.json points at `port` (the delay line
// in front of the relay's tunnel listener). Empty on failure.
std::filesystem::path state_through(const std::filesystem::path& paired, const std::filesystem::path& copy,
                                    std::uint16_t port, std::string& error) {
    std::error_code ec;
    std::filesystem::remove_all(copy, ec);
    std::filesystem::create_directories(copy.parent_path(), ec);
    std::filesystem::copy(paired, copy, std::filesystem::copy_options::recursive, ec);
    if (ec) {
        error = "copying the edge's state: " + ec.message();
        return {};
    }
    auto meta = nlohmann::json::parse(testing::read_file(copy / "relay.json"), nullptr, false);
    if (!meta.is_object()) {
        error = "the edge's relay.json is damaged";
        return {};
    }
    meta["relay_port"] = port;
    testing::write_file(copy / "relay.json", meta.dump(2) + "\n");
    return copy;
}

// A freshly connected device may still be unknown to the relay's router for a moment:
// a 1 KiB upload goes through once before anything is measured.
bool path_answers(const target& t, std::string& error) {
    for (int attempt = 0; attempt < 50; ++attempt) {
        std::string probe;
        upload_mbps(t, 1024, 1, probe);
        if (probe.empty()) return true;
        error = probe;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

double best_upload(const target& t, const wan_setup& setup, std::string& error) {
    double best = 0;
    for (int r = 0; r < setup.rounds; ++r) best = std::max(best, upload_mbps(t, setup.bytes, 1, error));
    return best;
}

double best_download(const target& t, const wan_setup& setup, std::string& error) {
    double best = 0;
    for (int r = 0; r < setup.rounds; ++r) best = std::max(best, download_mbps(t, setup.bytes, error));
    return best;
}

// Both directions through one path: the upload's figure and the download's.
void measure_both(const target& t, const wan_setup& setup, double& up, double& down, std::string& error) {
    up = best_upload(t, setup, error);
    down = best_download(t, setup, error);
}

}  // namespace

std::vector<wan_point> measure_wan(const wan_setup& setup, const std::vector<int>& rtts_ms, std::string& error) {
    std::vector<wan_point> points;
    for (int rtt : rtts_ms) {
        wan_point p{rtt};
        const link_shape shape{std::chrono::milliseconds(rtt), setup.link_mbps, setup.window};
        {
            delay_line line(shape, setup.sink_port);
            measure_both({line.port(), false, "sink", ""}, setup, p.raw_mbps, p.down_raw_mbps, error);
        }
        if (setup.with_ssh) {
            std::unique_ptr<delay_line> line;  // outlives ssh and sshd, which are ended first
            ssh_forward ssh(setup.dir / fmt::format("ssh-{}ms", rtt), {setup.sink_port}, [&](std::uint16_t sshd) {
                line = std::make_unique<delay_line>(shape, sshd);
                return line->port();
            });
            if (!ssh.ok()) {
                error = ssh.error();
                return points;
            }
            measure_both({ssh.remote_port(0), false, "sink", ""}, setup, p.ssh_mbps, p.down_ssh_mbps, error);
        }
        {
            delay_line line(shape, setup.relay_tunnel_port);
            const auto state =
                state_through(setup.edge_state, setup.dir / fmt::format("edge-{}ms", rtt), line.port(), error);
            if (state.empty()) return points;
            edge_fleet edge;
            edge.adopt(state);
            edge.set_initial_window(setup.edge_initial_window);
            if (!edge.connect(std::chrono::seconds(30)) || line.connections() == 0) {
                error = "wan: the edge did not come up through the delay line: " + edge.error();
                return points;
            }
            if (!path_answers(setup.printgate, error)) return points;
            measure_both(setup.printgate, setup, p.tunnel_mbps, p.down_tunnel_mbps, error);
            edge.stop();
        }
        const double ssh_bound = ssh_channel_window * 8 / 1e6 / (rtt / 1000.0);
        fmt::print(
            "wan        RTT {:3d} ms at {:.0f} Mbit/s, window {:.1f} MiB, 1 stream: printgate {:6.0f} Mbit/s   ssh -R "
            "{:6.0f} Mbit/s "
            "(its 2 MiB channel window allows {:.0f})   raw {:6.0f} Mbit/s   printgate/ssh -R {:.2f}\n",
            rtt, setup.link_mbps, static_cast<double>(window_of(shape)) / 1048576.0, p.tunnel_mbps, p.ssh_mbps,
            ssh_bound, p.raw_mbps, p.ssh_mbps > 0 ? p.tunnel_mbps / p.ssh_mbps : 0.0);
        fmt::print("wan        RTT {:3d} ms download (printer to browser):   printgate {:6.0f} Mbit/s   ssh -R {:6.0f} Mbit/s"
                   "                                     raw {:6.0f} Mbit/s   printgate/ssh -R {:.2f}\n",
                   rtt, p.down_tunnel_mbps, p.down_ssh_mbps, p.down_raw_mbps,
                   p.down_ssh_mbps > 0 ? p.down_tunnel_mbps / p.down_ssh_mbps : 0.0);
        std::fflush(stdout);
        points.push_back(p);
    }
    return points;
}

}  // namespace printgate::bench
