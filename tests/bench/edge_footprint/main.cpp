// bench edge_footprint: what printgate-edge costs while it prints. A 20,000-line file is
// uploaded and printed to printgate-sim at 250000 baud (receive buffer 128 bytes, a USB
// adapter's 1 ms latency each way, as in bench serial_throughput) with 5 WebSocket clients
// connected and reading every push, and the test camera on with one MJPEG viewer. Prints the
// edge's peak RSS and CPU time over the print next to the simulator's own (the reference in
// the same run: a process that only answers the serial line), and their ratios.
// Targets: peak RSS <= 20 MB, CPU <= 5% of one core.
#include "../../integration/edge/edge_harness.hpp"

#include <fmt/format.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

using namespace edge_test;

namespace {

constexpr int job_lines = 20000;
constexpr int websocket_clients = 5;

// Short segments (0.15 mm) along a square spiral, the feed rate once per layer: as a slicer
// writes a small curved part, and fast enough that the serial line, not motion, paces it.
std::string spiral_job() {
    std::string out = "; spiral part for bench edge_footprint\nG90\nM83\n";
    int written = 3;
    double z = 0.2, x = 110, y = 110;
    for (int i = 0; written < job_lines; ++i) {
        if (i % 200 == 0) {
            out += fmt::format("G1 Z{:.2f} F6000\n", z);
            z += 0.2;
            ++written;
            continue;
        }
        const int side = (i / 40) % 4;
        x += side == 0 ? 0.15 : side == 2 ? -0.15 : 0;
        y += side == 1 ? 0.15 : side == 3 ? -0.15 : 0;
        out += fmt::format("G1 X{:.2f} Y{:.2f} E.{:04d}\n", x, y, 40 + i % 9);
        ++written;
    }
    return out;
}

struct proc_usage {
    double cpu_s = 0;     // user + system
    double peak_mb = 0;   // VmHWM
    double rss_mb = 0;    // VmRSS
};

proc_usage usage_of(int pid) {
    proc_usage u;
    std::istringstream stat(printgate::testing::read_file("/proc/" + std::to_string(pid) + "/stat"));
    std::string field;
    // utime and stime are fields 14 and 15; the name (field 2) has no spaces for our binaries.
    for (int i = 1; i <= 15 && stat >> field; ++i) {
        if (i == 14 || i == 15) u.cpu_s += std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
    std::istringstream status(printgate::testing::read_file("/proc/" + std::to_string(pid) + "/status"));
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) u.peak_mb = std::stod(line.substr(6)) / 1024.0;
        if (line.rfind("VmRSS:", 0) == 0) u.rss_mb = std::stod(line.substr(6)) / 1024.0;
    }
    return u;
}

// The viewers: 5 WebSocket clients and one MJPEG stream, read by one thread that keeps up.
class viewers {
public:
    viewers(int port, bool camera) {
        for (int i = 0; i < websocket_clients; ++i) {
            const int fd = connect_to(port);
            send_all(fd, "GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            fds_.push_back(fd);
        }
        if (camera) {
            const int cam = connect_to(port);
            send_all(cam, "GET /webcam/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            fds_.push_back(cam);
        }
        camera_ = camera;
        thread_ = std::thread([this] { loop(); });
    }
    ~viewers() {
        stop_ = true;
        thread_.join();
        for (int fd : fds_) ::close(fd);
    }
    std::uint64_t websocket_bytes() const { return ws_bytes_; }
    std::uint64_t camera_bytes() const { return cam_bytes_; }
    bool all_upgraded() const { return upgraded_ == websocket_clients; }

private:
    void loop() {
        std::vector<pollfd> p;
        for (int fd : fds_) p.push_back({fd, POLLIN, 0});
        std::vector<std::string> heads(fds_.size());
        char buf[65536];
        while (!stop_) {
            if (::poll(p.data(), p.size(), 100) <= 0) continue;
            for (std::size_t i = 0; i < p.size(); ++i) {
                if (!(p[i].revents & (POLLIN | POLLHUP))) continue;
                const ssize_t n = ::recv(p[i].fd, buf, sizeof buf, 0);
                if (n <= 0) {
                    p[i].fd = -1;
                    continue;
                }
                if (camera_ && i + 1 == p.size()) {
                    cam_bytes_ += static_cast<std::uint64_t>(n);
                    continue;
                }
                ws_bytes_ += static_cast<std::uint64_t>(n);
                if (heads[i].size() < 12) {
                    heads[i].append(buf, static_cast<std::size_t>(n));
                    if (heads[i].rfind("HTTP/1.1 101", 0) == 0) ++upgraded_;
                }
            }
        }
    }
    std::vector<int> fds_;
    bool camera_ = false;
    std::atomic<std::uint64_t> ws_bytes_{0}, cam_bytes_{0};
    std::atomic<int> upgraded_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace

// --no-camera-viewer: the test camera stays configured but nobody watches it (it then does no
// work at all), to tell the printing's own cost from the synthetic camera's.
int main(int argc, char** argv) {
    const bool camera_viewer = !(argc > 1 && std::string(argv[1]) == "--no-camera-viewer");
    temp_dir dir;
    const auto tty = dir / "printer.tty";
    child_process sim({PRINTGATE_SIM_BIN, "--pty", tty.string(), "--baud", "250000", "--planner-blocks", "4",
                       "--command-slots", "4", "--rx-buffer", "128", "--usb-latency-us", "1000", "--home-time", "0.1"},
                      dir / "sim.out", dir / "sim.err");
    if (!wait_until([&] { return sim.out().find("ready") != std::string::npos; }, patience)) {
        std::cerr << "the simulator did not start: " << sim.err() << "\n";
        return 1;
    }
    const auto cfg = dir / "edge.toml";
    printgate::testing::write_file(cfg, "[http]\nport = 0\n[printer]\nport = \"" + tty.string() +
                                            "\"\nbaud = 250000\nrx_buffer = 128\n[camera]\nkind = \"test\"\n");
    edge_process edge(dir, {"--config", cfg.string(), "--state-dir", (dir / "state").string()});
    if (!edge.ready() || !edge.wait_for("/api/v1/state", operational)) {
        std::cerr << "the edge did not start or connect:\n" << edge.log() << "\n";
        return 1;
    }
    const int pid = edge.process().pid();

    viewers watching(edge.port(), camera_viewer);
    if (!wait_until([&] { return watching.all_upgraded() && (!camera_viewer || watching.camera_bytes() > 0); }, patience)) {
        std::cerr << "the viewers did not connect\n";
        return 1;
    }
    const std::string job = spiral_job();
    auto up = upload(edge.port(), "/api/v1/files", "part.gcode", job);
    if (up.status != 201) {
        std::cerr << "upload failed: " << up.status << " " << up.body << "\n";
        return 1;
    }
    // Idle with everyone watching: what the viewers cost before a line is printed (the test
    // camera renders and encodes a JPEG per frame; a real MJPEG camera's frames pass through).
    const auto idle0 = usage_of(pid);
    const auto idle_t0 = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(5));
    const auto idle = usage_of(pid);
    const double idle_pct =
        100.0 * (idle.cpu_s - idle0.cpu_s) / std::chrono::duration<double>(std::chrono::steady_clock::now() - idle_t0).count();

    const auto edge0 = usage_of(pid);
    const auto sim0 = usage_of(sim.pid());
    const auto ws0 = watching.websocket_bytes();
    const auto cam0 = watching.camera_bytes();
    const auto t0 = std::chrono::steady_clock::now();
    auto start = request(edge.port(), "POST", "/api/v1/job", R"({"action":"start","file":"part.gcode"})");
    if (start.status != 200) {
        std::cerr << "cannot start the print: " << start.body << "\n";
        return 1;
    }
    // Polled once a second: the bench's own requests are a small part of the edge's work.
    std::string status;
    const bool ended = wait_until([&] {
        auto h = edge.get("/api/v1/history");
        if (h.is_object() && !h["jobs"].empty()) status = h["jobs"][0].value("status", "");
        if (status == "printing") std::this_thread::sleep_for(std::chrono::seconds(1));
        return !status.empty() && status != "printing";
    }, std::chrono::minutes(30));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto edge1 = usage_of(pid);
    const auto sim1 = usage_of(sim.pid());
    const double ws_kib = static_cast<double>(watching.websocket_bytes() - ws0) / 1024.0;
    const double cam_kib = static_cast<double>(watching.camera_bytes() - cam0) / 1024.0;
    if (!ended || status != "completed") {
        std::cerr << "the print did not complete (" << status << ")\n" << edge.log() << "\n";
        return 1;
    }

    const double edge_cpu = edge1.cpu_s - edge0.cpu_s, sim_cpu = sim1.cpu_s - sim0.cpu_s;
    const double cpu_pct = 100.0 * edge_cpu / seconds;
    std::cout << fmt::format("print: {} lines at 250000 baud in {:.1f} s ({:.0f} lines/s); {} WebSocket clients got {:.0f} KiB, "
                             "{}\n",
                             job_lines, seconds, job_lines / seconds, websocket_clients, ws_kib,
                             camera_viewer ? fmt::format("the camera viewer {:.0f} KiB (640x480, 15 fps test pattern)", cam_kib)
                                           : std::string("the camera on with no viewer"));
    std::cout << fmt::format("edge: peak RSS {:.1f} MB (idle before the print {:.1f} MB), CPU {:.2f} s = {:.2f}% of a core\n",
                             edge1.peak_mb, idle.rss_mb, edge_cpu, cpu_pct);
    std::cout << fmt::format("edge idle with the same viewers ({}, no print): {:.2f}% of a core\n",
                             camera_viewer ? "camera streaming" : "camera on, not watched", idle_pct);
    std::cout << fmt::format("sim (reference): peak RSS {:.1f} MB, CPU {:.2f} s = {:.2f}% of a core\n", sim1.peak_mb, sim_cpu,
                             100.0 * sim_cpu / seconds);
    std::cout << fmt::format("ratios edge/sim: RSS {:.2f}x, CPU {:.2f}x; targets: RSS <= 20 MB ({}), CPU <= 5% ({})\n",
                             edge1.peak_mb / sim1.peak_mb, sim_cpu > 0 ? edge_cpu / sim_cpu : 0.0,
                             edge1.peak_mb <= 20 ? "met" : "MISSED", cpu_pct <= 5 ? "met" : "MISSED");
    std::cout << fmt::format("BENCH edge_footprint peak_rss_mb={:.1f} cpu_pct={:.2f} sim_rss_mb={:.1f}\n", edge1.peak_mb, cpu_pct,
                             sim1.peak_mb);
    return 0;
}
