// bench serial_throughput: the same 20,000-line curved part streamed to printgate-sim at
// 250000 baud (planner 4 blocks, command queue 4, receive buffer 128 bytes, a USB
// adapter's 1 ms latency each way), once with one line in flight (OctoPrint's default,
// the peer, lines sent as written) and once windowed with moves compacted (printgate's
// default for Marlin), in the same run. Prints lines/s for both, their ratio,
// the share of the link's capacity used, and the host's CPU time per 1000 lines.
#include "printgate/printer/job_streamer.hpp"
#include "printgate/printer/printer_host.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>

using namespace printgate::printer;
using namespace printgate::testing;
namespace net = boost::asio;

namespace {

constexpr unsigned baud = 250000;
constexpr int job_lines = 20000;

// A vase-like curved part: 0.1 mm segments around a 15 mm circle, as a slicer writes
// them (trimmed decimals, feed rate once per layer).
void write_part(const std::filesystem::path& file) {
    std::ofstream out(file);
    out << "; curved part for bench serial_throughput\nG90\nM83\n";
    const double r = 15.0, seg = 0.1;
    const int per_layer = static_cast<int>(2 * M_PI * r / seg);
    int written = 3;
    double z = 0.2;
    for (int i = 0; written < job_lines; ++i) {
        if (i % per_layer == 0) {
            out << fmt::format("G1 Z{:.2f} F7200\n", z);
            z += 0.2;
            ++written;
            continue;
        }
        double a = i * seg / r;
        out << fmt::format("G1 X{:.3f} Y{:.3f} E.{:04d}\n", 110 + r * std::cos(a), 110 + r * std::sin(a), 33 + i % 7);
        ++written;
    }
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct run_result {
    bool completed = false;
    std::uint64_t lines = 0, bytes = 0;
    double seconds = 0, cpu = 0;
    std::int64_t sim_overflow = -1, sim_max_rx = -1;
    // Where the link sat idle, from the host's writes: the wire drains them at baud/10
    // bytes a second, so a write that comes after the wire has drained the one before left
    // it idle in between (the USB latency only shifts all of it). While the job runs there
    // is always a next line, so each such gap is the window waiting for an ok.
    double idle_s = 0;
    std::uint64_t idle_gaps = 0;
    std::vector<double> ok_to_write_us;  // from an ok to the write it allowed
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5))];
}

run_result run_once(const temp_dir& dir, const std::filesystem::path& part, flow_mode mode, const std::string& name) {
    auto tty = dir / (name + ".tty");
    auto summary = dir / (name + ".json");
    child_process sim({PRINTGATE_SIM_BIN, "--pty", tty.string(), "--baud", std::to_string(baud), "--planner-blocks", "4",
                       "--command-slots", "4", "--rx-buffer", "128", "--usb-latency-us", "1000", "--summary",
                       summary.string()},
                      dir / (name + ".out"), dir / (name + ".err"));
    wait_until([&] { return sim.out().find("ready") != std::string::npos; }, std::chrono::seconds(20));

    net::io_context io;
    host_config cfg;
    cfg.port = tty.string();
    cfg.baud = baud;
    cfg.window.mode = mode;
    // The peer sends lines as written, like OctoPrint; printgate compacts moves for Marlin.
    cfg.compact_moves = mode == flow_mode::windowed;
    run_result r;
    std::chrono::steady_clock::time_point t0;
    double cpu0 = 0;
    std::uint64_t bytes0 = 0;
    printer_host* host = nullptr;
    std::chrono::steady_clock::time_point wire_free{}, last_ok{};
    std::uint64_t bytes_seen = 0;
    host_callbacks cb;
    cb.on_terminal = [&](bool sent, const std::string& line) {
        if (t0 == std::chrono::steady_clock::time_point{} || r.seconds > 0) return;
        const auto now = std::chrono::steady_clock::now();
        if (!sent) {
            if (line.starts_with("ok")) last_ok = now;
            return;
        }
        const auto total = host->sender().counters().bytes_sent;
        if (last_ok != std::chrono::steady_clock::time_point{}) {
            r.ok_to_write_us.push_back(std::chrono::duration<double, std::micro>(now - last_ok).count());
            last_ok = {};
        }
        if (now > wire_free) {
            if (wire_free != std::chrono::steady_clock::time_point{}) {
                r.idle_s += std::chrono::duration<double>(now - wire_free).count();
                ++r.idle_gaps;
            }
            wire_free = now;
        }
        wire_free += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(static_cast<double>(total - bytes_seen) * 10.0 / baud));
        bytes_seen = total;
    };
    cb.on_state = [&](host_state s, const std::string&) {
        if (s != host_state::operational || t0 != std::chrono::steady_clock::time_point{}) return;
        std::error_code ec;
        std::string why;
        auto job = job_streamer::open(part, ec, why);
        t0 = std::chrono::steady_clock::now();
        cpu0 = cpu_seconds();
        bytes0 = host->sender().counters().bytes_sent;
        bytes_seen = bytes0;
        if (!job || !host->start_job(std::move(job), why)) {
            std::cerr << "cannot start: " << why << "\n";
            host->stop();
        }
    };
    cb.on_job_done = [&](const job_result& res) {
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.cpu = cpu_seconds() - cpu0;
        r.completed = res.status == job_status::completed;
        r.lines = res.progress.commands_acked;
        r.bytes = host->sender().counters().bytes_sent - bytes0;
        net::post(io, [&] { host->stop(); });
    };
    printer_host h(io.get_executor(), cfg, cb);
    host = &h;
    h.start();
    io.run();
    sim.stop();
    std::ifstream in(summary);
    auto json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_object()) {
        r.sim_overflow = json.value("rx_overflow_bytes", std::int64_t{-1});
        r.sim_max_rx = json.value("max_rx_used", std::int64_t{-1});
    }
    return r;
}

}  // namespace

int main() {
    temp_dir dir;
    auto part = dir / "part.gcode";
    write_part(part);
    std::cout << fmt::format("bench serial_throughput: {} lines, {} baud (link capacity {} bytes/s), planner 4, "
                             "command queue 4, receive buffer 128 B, USB latency 1 ms each way\n",
                             job_lines, baud, baud / 10);
    // Alternate the two modes twice and keep each one's best, so that a noisy moment on
    // a shared machine does not decide the ratio.
    run_result best_ping, best_win;
    for (int round = 0; round < 2; ++round) {
        auto ping = run_once(dir, part, flow_mode::one_line, fmt::format("ping{}", round));
        auto win = run_once(dir, part, flow_mode::windowed, fmt::format("win{}", round));
        if (!ping.completed || !win.completed) {
            std::cerr << "a run did not complete\n";
            return 1;
        }
        if (ping.sim_overflow != 0 || win.sim_overflow != 0) {
            std::cerr << "the firmware's receive buffer overflowed (" << ping.sim_overflow << ", " << win.sim_overflow
                      << " bytes)\n";
            return 1;
        }
        std::cout << fmt::format("  round {}: one-line {:.0f} lines/s ({:.2f} s), windowed {:.0f} lines/s ({:.2f} s)\n",
                                 round + 1, ping.lines / ping.seconds, ping.seconds, win.lines / win.seconds, win.seconds);
        if (best_ping.seconds == 0 || ping.seconds < best_ping.seconds) best_ping = ping;
        if (best_win.seconds == 0 || win.seconds < best_win.seconds) best_win = win;
    }
    const double ping_lps = best_ping.lines / best_ping.seconds;
    const double win_lps = best_win.lines / best_win.seconds;
    const double capacity = baud / 10.0;
    const double win_share = best_win.bytes / best_win.seconds / capacity;
    const double ping_share = best_ping.bytes / best_ping.seconds / capacity;
    const double cpu_ms = best_win.cpu * 1000.0 / (best_win.lines / 1000.0);
    std::cout << fmt::format("one-line-in-flight: {:.0f} lines/s, {:.0f} bytes/s, {:.1f}% of the link, {:.1f} ms CPU per 1000 lines\n",
                             ping_lps, best_ping.bytes / best_ping.seconds, ping_share * 100,
                             best_ping.cpu * 1000.0 / (best_ping.lines / 1000.0));
    std::cout << fmt::format("windowed:           {:.0f} lines/s, {:.0f} bytes/s, {:.1f}% of the link, {:.1f} ms CPU per 1000 lines\n",
                             win_lps, best_win.bytes / best_win.seconds, win_share * 100, cpu_ms);
    for (const auto* run : {&best_ping, &best_win}) {
        std::cout << fmt::format("{} link idle {:.1f}% of the run in {} gaps (mean {:.0f} us), each waiting for an ok; "
                                 "ok to next write p50 {:.0f} us p99 {:.0f} us; firmware receive buffer at most {} of 127 "
                                 "bytes, {} overflowed\n",
                                 run == &best_ping ? "one-line:" : "windowed:", 100 * run->idle_s / run->seconds,
                                 run->idle_gaps, run->idle_gaps ? 1e6 * run->idle_s / static_cast<double>(run->idle_gaps) : 0.0,
                                 percentile(run->ok_to_write_us, 0.5), percentile(run->ok_to_write_us, 0.99),
                                 run->sim_max_rx, run->sim_overflow);
    }
    std::cout << fmt::format("ratio windowed / one-line: {:.2f}\n", win_lps / ping_lps);
    std::cout << fmt::format("BENCH serial_throughput windowed_lps={:.0f} pingpong_lps={:.0f} ratio={:.2f} link_share={:.3f} "
                             "cpu_ms_per_1000={:.1f}\n",
                             win_lps, ping_lps, win_lps / ping_lps, win_share, cpu_ms);
    return 0;
}
