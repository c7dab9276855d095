// bench camera: what the webcam costs through the relay. The real printgate-relay, a paired
// `printgate-edge run --demo` (test-pattern camera, 640x480 at 15 fps, printgate-sim) and
// viewers over TLS with a per-device API key, as a browser or a slicer would come in.
//
// Phases of `--seconds` each (default 10), after a warm-up:
//   idle: no viewer (the camera source closed after its linger);
//   1 viewer, then 20 viewers of /webcam/stream through the relay;
//   snapshots: sequential GET /webcam/snapshot on one keep-alive connection while the 20 watch.
// Measured: JPEG bytes the edge's camera sent to its viewers (its /webcam/state frames_out
// times the picture size, looked at every 100 ms; its only viewer is the relay's tunnel
// stream) per second with 1 and with 20 viewers, and their ratio (target <= 1.05: one
// stream crosses the tunnel whatever the number of viewers); relay CPU per viewer
// ((relay CPU with 20 - idle) / 20, % of one core); edge CPU idle and with 20 viewers;
// snapshot latency p50 / p99. The last line is the BENCH line.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "../../integration/relay/camera_viewer.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

using namespace printgate::testing;
namespace net = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

namespace {

[[noreturn]] void fail(const std::string& why) {
    std::cout << "FAILED: " << why << std::endl;
    std::exit(1);
}

struct usage {
    double cpu_s = 0;           // user + system
    unsigned long long wchar = 0;  // bytes written by write(2) (edge: camera bytes to its viewers)
};

usage usage_of(int pid) {
    usage u;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string field;
    // utime and stime are fields 14 and 15; our binaries' names have no spaces.
    for (int i = 1; i <= 15 && stat >> field; ++i)
        if (i == 14 || i == 15) u.cpu_s += std::stod(field) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    std::ifstream io("/proc/" + std::to_string(pid) + "/io");
    std::string key;
    unsigned long long value = 0;
    while (io >> key >> value)
        if (key == "wchar:") u.wchar = value;
    return u;
}

struct window {
    double seconds = 0;
    usage relay, edge;
    [[nodiscard]] double relay_cpu_pct() const { return 100.0 * relay.cpu_s / seconds; }
    [[nodiscard]] double edge_cpu_pct() const { return 100.0 * edge.cpu_s / seconds; }
    [[nodiscard]] double edge_bytes_per_s() const { return static_cast<double>(edge.wchar) / seconds; }
};

// The edge camera's count of pictures handed to its viewers and the newest picture's size.
// The edge's only viewer is the relay's tunnel stream, so pictures times size is what
// crossed the tunnel, less HTTP and TLS framing. (/proc/PID/io cannot tell: Asio sends with
// sendmsg, which wchar does not count.)
struct camera_count {
    double frames = 0;
    double bytes = 0;  // of the newest picture
};
camera_count edge_camera_count(std::uint16_t edge_port) {
    auto st = edge_camera_state(edge_port);
    if (!st.is_object()) fail("the edge's /webcam/state did not answer");
    return {st.value("frames_out", 0.0), st["frame"].is_object() ? st["frame"].value("bytes", 0.0) : 0.0};
}

// Relay and edge usage over `length` of wall time.
window measure(int relay_pid, int edge_pid, std::uint16_t edge_port, std::chrono::seconds length) {
    const auto r0 = usage_of(relay_pid), e0 = usage_of(edge_pid);
    auto previous = edge_camera_count(edge_port);
    const auto t0 = std::chrono::steady_clock::now();
    // The pictures sent between two looks, every 100 ms, times the newest one's size: the
    // test pattern's size moves by kilobytes with its square, so the size at the two ends of
    // the window alone gave ratios of 0.73 to 1.09 for the same 15 pictures a second.
    double bytes = 0;
    while (std::chrono::steady_clock::now() - t0 < length) {
        std::this_thread::sleep_for(100ms);
        const auto now = edge_camera_count(edge_port);
        bytes += (now.frames - previous.frames) * now.bytes;
        previous = now;
    }
    const auto r1 = usage_of(relay_pid), e1 = usage_of(edge_pid);
    window w;
    w.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    w.relay = {r1.cpu_s - r0.cpu_s, r1.wchar - r0.wchar};
    w.edge = {e1.cpu_s - e0.cpu_s, static_cast<unsigned long long>(bytes)};
    return w;
}

struct cli_result {
    int status = -1;
    std::string out, err;
};

cli_result run(const temp_dir& dir, std::vector<std::string> argv) {
    static int runs = 0;
    auto base = dir / ("cli" + std::to_string(++runs));
    child_process p(std::move(argv), base.string() + ".out", base.string() + ".err");
    auto status = p.wait(60s);
    return {status ? *status : -1, p.out(), p.err()};
}

std::string first_line(std::string s) {
    s = s.substr(0, s.find('\n'));
    while (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
}

std::uint16_t port_after(const std::string& text, const std::string& key) {
    auto at = text.find(key);
    return at == std::string::npos ? 0 : static_cast<std::uint16_t>(std::stoi(text.substr(at + key.size())));
}

// Viewers reading /webcam/stream through the relay, one thread each, counting pictures.
class viewer_pool {
public:
    viewer_pool(const camera_viewer::options& options, int count) {
        for (int i = 0; i < count; ++i) {
            auto v = std::make_unique<camera_viewer>(options);
            if (v->error || v->status != 200)
                fail(fmt::format("viewer {}: HTTP {} {}", i, v->status, v->error.message()));
            viewers_.push_back(std::move(v));
            counts_.push_back(std::make_unique<std::atomic<std::uint64_t>>(0));
        }
        for (int i = 0; i < count; ++i) {
            threads_.emplace_back([this, i] {
                while (!stopping_) {
                    if (viewers_[i]->read_frames(1).empty()) break;
                    ++*counts_[i];
                }
            });
        }
    }
    ~viewer_pool() { stop(); }
    void stop() {
        stopping_ = true;
        for (auto& v : viewers_) v->shutdown();
        for (auto& t : threads_)
            if (t.joinable()) t.join();
        for (auto& v : viewers_) v->close();
    }
    [[nodiscard]] std::vector<std::uint64_t> counts() const {
        std::vector<std::uint64_t> out;
        for (const auto& c : counts_) out.push_back(*c);
        return out;
    }

private:
    std::vector<std::unique_ptr<camera_viewer>> viewers_;
    std::vector<std::unique_ptr<std::atomic<std::uint64_t>>> counts_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stopping_{false};
};

struct rates {
    double min = 0, mean = 0;
};
rates fps_between(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b, double seconds) {
    rates r{1e9, 0};
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double fps = static_cast<double>(b[i] - a[i]) / seconds;
        r.min = std::min(r.min, fps);
        r.mean += fps / static_cast<double>(a.size());
    }
    return r;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    auto at = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(at, v.size() - 1)];
}

// A TLS connection to the relay's browser listener for `host` (SNI; the bench does not
// check the certificate: the tests do).
void connect_to_relay(net::ssl::stream<net::ip::tcp::socket>& s, std::uint16_t port, const std::string& host,
                      boost::system::error_code& ec) {
    s.set_verify_mode(net::ssl::verify_none);
    SSL_set_tlsext_host_name(s.native_handle(), host.c_str());
    s.next_layer().connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) s.handshake(net::ssl::stream_base::client, ec);
}

// One GET through the relay (TLS, the device's Host, the API key); the body, or "" on failure.
std::string get_through_relay(std::uint16_t port, const std::string& host, const std::string& key,
                              const std::string& target) {
    net::io_context io;
    net::ssl::context tls(net::ssl::context::tls_client);
    net::ssl::stream<net::ip::tcp::socket> s(io, tls);
    boost::system::error_code ec;
    connect_to_relay(s, port, host, ec);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host + ":" + std::to_string(port));
    req.set("X-Api-Key", key);
    if (!ec) http::write(s, req, ec);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    if (!ec) http::read(s, buffer, res, ec);
    return ec ? std::string() : res.body();
}

// Sequential snapshots on one keep-alive TLS connection; milliseconds each.
std::vector<double> snapshot_latencies(std::uint16_t port, const std::string& host, const std::string& key, int count) {
    net::io_context io;
    net::ssl::context tls(net::ssl::context::tls_client);
    net::ssl::stream<net::ip::tcp::socket> s(io, tls);
    boost::system::error_code ec;
    connect_to_relay(s, port, host, ec);
    if (ec) fail("snapshot connection: " + ec.message());
    std::vector<double> out;
    boost::beast::flat_buffer buffer;
    for (int i = 0; i < count; ++i) {
        http::request<http::empty_body> req{http::verb::get, "/webcam/snapshot", 11};
        req.set(http::field::host, host + ":" + std::to_string(port));
        req.set("X-Api-Key", key);
        const auto t0 = std::chrono::steady_clock::now();
        http::write(s, req, ec);
        http::response<http::string_body> res;
        if (!ec) http::read(s, buffer, res, ec);
        const auto t1 = std::chrono::steady_clock::now();
        if (ec) fail("snapshot " + std::to_string(i) + ": " + ec.message());
        if (res.result_int() != 200 || res.body().size() < 4 || static_cast<unsigned char>(res.body()[0]) != 0xFF)
            fail(fmt::format("snapshot {}: HTTP {} with {} bytes", i, res.result_int(), res.body().size()));
        out.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    int seconds = 10;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--seconds") seconds = std::max(2, std::atoi(argv[i + 1]));
    const auto phase = std::chrono::seconds(seconds);
    constexpr int many = 20;
    constexpr int snapshots = 200;

    temp_dir dir;
    const auto relay_state = dir / "relay";
    const auto edge_state = dir / "edge";
    child_process relay({PRINTGATE_RELAY_BIN, "serve", "--demo", "--state-dir", relay_state.string()}, dir / "relay.out",
                        dir / "relay.err");
    if (!wait_until([&] { return relay.out().find("printgate-relay ready") != std::string::npos; }, 60s))
        fail("the relay did not start: " + relay.err());
    const auto https_port = port_after(relay.out(), "https=127.0.0.1:");
    auto relay_cli = [&](std::vector<std::string> args) {
        args.insert(args.begin(), PRINTGATE_RELAY_BIN);
        args.insert(args.end(), {"--demo", "--state-dir", relay_state.string()});
        return run(dir, args);
    };
    auto added = relay_cli({"device", "add", "printer1"});
    if (added.status != 0) fail("device add: " + added.err);
    auto paired = run(dir, {PRINTGATE_EDGE_BIN, "pair", first_line(added.out), "--state-dir", edge_state.string()});
    if (paired.status != 0) fail("pair: " + paired.err);
    child_process edge({PRINTGATE_EDGE_BIN, "run", "--demo", "--state-dir", edge_state.string(), "--sim-binary",
                        PRINTGATE_SIM_BIN},
                       dir / "edge.out", dir / "edge.err");
    if (!wait_until([&] { return edge.out().find("printgate-edge ready") != std::string::npos; }, 60s))
        fail("the edge did not start: " + edge.err());
    const auto edge_port = port_after(edge.out(), "http=127.0.0.1:");
    if (!wait_until([&] { return edge.err().find("is up") != std::string::npos; }, 60s))
        fail("the tunnel did not come up: " + edge.err());

    // An account and a read-only key for printer1, as an owner would make them on the relay.
    auto user = run(dir, {"/bin/sh", "-c",
                          fmt::format("echo 'tram velvet oxide harbour' | '{}' user add bench --owner --demo --state-dir '{}'",
                                      PRINTGATE_RELAY_BIN, relay_state.string())});
    if (user.status != 0) fail("user add: " + user.err);
    auto key_made = relay_cli({"apikey", "add", "printer1", "--user", "bench", "--scope", "read"});
    if (key_made.status != 0) fail("apikey add (needs `printgate-relay apikey`): " + key_made.err);
    const auto key = first_line(key_made.out);

    camera_viewer::options viewer;
    viewer.port = https_port;
    viewer.host = "printer1.localhost";
    viewer.api_key = key;

    // Idle: nobody watches; the edge's camera source closes after its linger.
    if (!wait_until([&] {
            auto st = edge_camera_state(edge_port);
            return st.is_object() && !st.value("running", true);
        }, 60s))
        fail("the edge camera did not go idle: " + edge_camera_state(edge_port).dump());
    const auto idle = measure(relay.pid(), edge.pid(), edge_port, phase);

    window one, twenty;
    rates one_fps, twenty_fps;
    std::size_t edge_viewers_20 = 0;
    std::string stages;
    {
        viewer_pool pool(viewer, 1);
        std::this_thread::sleep_for(2s);
        auto a = pool.counts();
        one = measure(relay.pid(), edge.pid(), edge_port, phase);
        one_fps = fps_between(a, pool.counts(), one.seconds);
    }
    std::vector<double> latencies;
    {
        viewer_pool pool(viewer, many);
        std::this_thread::sleep_for(2s);
        auto a = pool.counts();
        twenty = measure(relay.pid(), edge.pid(), edge_port, phase);
        twenty_fps = fps_between(a, pool.counts(), twenty.seconds);
        // Each stage's own count: the edge's camera (in) and its one viewer, the relay's
        // stream (out); the relay's hub (in from the tunnel) and its viewers (out, summed).
        const auto edge_state = edge_camera_state(edge_port);
        edge_viewers_20 = edge_state.value("viewers", std::size_t{0});
        auto relay_state =
            nlohmann::json::parse(get_through_relay(https_port, viewer.host, key, "/webcam/state"), nullptr, false);
        const auto relay_part = relay_state.is_object() && relay_state.contains("relay") && relay_state["relay"].is_object()
                                    ? relay_state["relay"]
                                    : nlohmann::json::object();
        stages = fmt::format("stages with {} viewers: edge camera fps in {:.1f} out {:.1f} (to {} viewer); relay fps in {:.1f} "
                             "out {:.1f} (to {} viewers, {} drops)",
                             many, edge_state.value("fps_in", 0.0), edge_state.value("fps_out", 0.0), edge_viewers_20,
                             relay_part.value("fps_in", 0.0), relay_part.value("fps_out", 0.0),
                             relay_part.value("viewers", 0), relay_part.value("drops", 0));
        latencies = snapshot_latencies(https_port, viewer.host, key, snapshots);
    }
    const double ratio = twenty.edge_bytes_per_s() / one.edge_bytes_per_s();
    const double relay_per_viewer = (twenty.relay_cpu_pct() - idle.relay_cpu_pct()) / many;
    const double p50 = percentile(latencies, 0.50), p99 = percentile(latencies, 0.99);

    std::cout << fmt::format("camera: test pattern 640x480 at 15 fps through relay and tunnel; {} s per phase\n", seconds);
    std::cout << fmt::format("idle: relay {:.2f}% edge {:.2f}% of a core; edge camera sent {:.1f} KiB/s\n", idle.relay_cpu_pct(),
                             idle.edge_cpu_pct(), idle.edge_bytes_per_s() / 1024);
    std::cout << fmt::format("1 viewer: {:.1f} fps; edge camera sent {:.1f} KiB/s; relay {:.2f}% edge {:.2f}% of a core\n",
                             one_fps.mean, one.edge_bytes_per_s() / 1024, one.relay_cpu_pct(), one.edge_cpu_pct());
    std::cout << fmt::format(
        "{} viewers: {:.1f} fps each (slowest {:.1f}); edge camera sent {:.1f} KiB/s with {} viewer(s) at the edge; "
        "relay {:.2f}% edge {:.2f}% of a core\n",
        many, twenty_fps.mean, twenty_fps.min, twenty.edge_bytes_per_s() / 1024, edge_viewers_20, twenty.relay_cpu_pct(),
        twenty.edge_cpu_pct());
    std::cout << stages << "\n";
    std::cout << fmt::format("tunnel bytes {} viewers / 1 viewer: {:.3f} (target <= 1.05)\n", many, ratio);
    std::cout << fmt::format("relay CPU per viewer: ({:.2f}% - {:.2f}% idle) / {} = {:.3f}% of a core\n",
                             twenty.relay_cpu_pct(), idle.relay_cpu_pct(), many, relay_per_viewer);
    std::cout << fmt::format("snapshots through the relay ({} sequential, {} viewers watching): p50 {:.2f} ms p99 {:.2f} ms\n",
                             snapshots, many, p50, p99);
    edge.stop();
    relay.stop();
    std::cout << fmt::format(
        "BENCH camera tunnel_bytes_ratio={:.3f} relay_cpu_pct_per_viewer={:.3f} edge_cpu_pct_0={:.2f} "
        "edge_cpu_pct_20={:.2f} snapshot_p50_ms={:.2f} snapshot_p99_ms={:.2f} viewer_fps_1={:.1f} viewer_fps_20={:.1f} "
        "viewer_fps_20_min={:.1f}\n",
        ratio, relay_per_viewer, idle.edge_cpu_pct(), twenty.edge_cpu_pct(), p50, p99, one_fps.mean, twenty_fps.mean,
        twenty_fps.min);
    return 0;
}
