#pragma once
// Black-box helpers for the edge application tests: start the real printgate-edge (in --demo
// with the real printgate-sim, or against a simulator the test started), and speak HTTP to
// it over a real loopback socket, the way a browser or a slicer would.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace edge_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using printgate::testing::child_process;
using printgate::testing::temp_dir;
using printgate::testing::wait_until;

// Deadlines are generous upper bounds for a failing case, never measurements.
constexpr auto patience = std::chrono::milliseconds(30000);

struct http_reply {
    int status = 0;
    std::string head;
    std::string body;
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

inline int connect_to(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

// A listening socket on 127.0.0.1 with a port the OS chose (`port`), for the test's own
// servers; without listen(), the port is only reserved (closed at once by free_port).
inline int bind_loopback(int& port, bool listening = true) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (listening) ::listen(fd, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    return fd;
}

// A port nobody listens on right now (for a broker the test starts).
inline int free_port() {
    int port = 0;
    ::close(bind_loopback(port, false));
    return port;
}

inline bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Reads until the peer closes (requests are sent with Connection: close).
inline std::string read_all(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(patience.count())) <= 0) break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

inline http_reply parse_reply(const std::string& raw) {
    http_reply r;
    auto end = raw.find("\r\n\r\n");
    if (raw.size() < 12 || end == std::string::npos) return r;
    r.status = std::stoi(raw.substr(9, 3));
    r.head = raw.substr(0, end);
    r.body = raw.substr(end + 4);
    return r;
}

inline http_reply request(int port, const std::string& method, const std::string& target, const std::string& body = {},
                          const std::string& content_type = "application/json", const std::string& extra_headers = {}) {
    const int fd = connect_to(port);
    if (fd < 0) return {};
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers;
    if (!body.empty() || method == "POST")
        req += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n" + body;
    send_all(fd, req);
    auto raw = read_all(fd);
    ::close(fd);
    return parse_reply(raw);
}

inline std::string multipart(const std::string& boundary, const std::vector<std::pair<std::string, std::string>>& fields,
                             const std::string& filename, const std::string& content) {
    std::string b;
    for (const auto& [k, v] : fields)
        b += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
    b += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
         "\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n--" + boundary + "--\r\n";
    return b;
}

inline http_reply upload(int port, const std::string& target, const std::string& filename, const std::string& content,
                         const std::vector<std::pair<std::string, std::string>>& fields = {},
                         const std::string& extra_headers = {}) {
    const std::string boundary = "----printgate-test-boundary";
    return request(port, "POST", target, multipart(boundary, fields, filename, content),
                   "multipart/form-data; boundary=" + boundary, extra_headers);
}

// A job of `moves` moves of about 2 mm, a layer every 50. The simulator moves in real time:
// at F600 a move takes about 0.2 s, so a long job can be paused mid-way, and a pause (which
// lets the planner's few queued moves finish) completes in a few seconds.
inline std::string gcode_job(int moves, int feed = 3000) {
    std::string s = "; generated by the edge tests\nG28\nG90\nM83\nG1 Z0.3 F600\n";
    for (int i = 0; i < moves; ++i) {
        if (i % 50 == 0) s += ";LAYER_CHANGE\n;Z:" + std::to_string(0.3 + 0.2 * (i / 50)) + "\nG1 Z" + std::to_string(0.3 + 0.2 * (i / 50)) + "\n";
        s += "G1 X" + std::to_string(10 + (i % 2) * 2) + " Y" + std::to_string(10 + (i % 3)) + " E0.05 F" + std::to_string(feed) + "\n";
    }
    return s;
}

// printgate-edge run, started and waited for its ready line.
class edge_process {
public:
    edge_process(const temp_dir& dir, std::vector<std::string> args, std::string name = "edge") {
        std::vector<std::string> argv = {PRINTGATE_EDGE_BIN, "run"};
        argv.insert(argv.end(), args.begin(), args.end());
        proc_.emplace(argv, dir.path() / (name + ".out"), dir.path() / (name + ".err"));
        wait_until([&] { return proc_->out().find("ready http=") != std::string::npos || !proc_->running(); }, patience);
        auto out = proc_->out();
        auto at = out.find("ready http=127.0.0.1:");
        if (at != std::string::npos) port_ = std::stoi(out.substr(at + 21));
    }
    int port() const { return port_; }
    bool ready() const { return port_ > 0; }
    child_process& process() { return *proc_; }
    std::string log() const { return proc_->out() + proc_->err(); }
    nlohmann::json get(const std::string& target) { return request(port_, "GET", target).json(); }
    // Polls until `pred` holds for GET `target`.
    bool wait_for(const std::string& target, const std::function<bool(const nlohmann::json&)>& pred) {
        return wait_until([&] { return pred(get(target)); }, patience);
    }

private:
    std::optional<child_process> proc_;
    int port_ = 0;
};

// --demo with the real simulator (fast homing, plus `sim_args`), state in `state`.
inline std::vector<std::string> demo_args(const temp_dir& dir, const fs::path& state, const std::string& extra_toml = {},
                                          const std::vector<std::string>& sim_args = {}) {
    auto cfg = dir / "edge.toml";
    std::string args = "\"--home-time\", \"0.1\"";
    for (const auto& a : sim_args) args += ", " + nlohmann::json(a).dump();  // a JSON string is a TOML basic string
    printgate::testing::write_file(cfg, "[demo]\nsim_binary = \"" + std::string(PRINTGATE_SIM_BIN) +
                                            "\"\nsim_args = [" + args + "]\n" + extra_toml);
    return {"--demo", "--config", cfg.string(), "--state-dir", state.string()};
}

inline bool operational(const nlohmann::json& state) {
    return state.is_object() && state.contains("state") && state["state"].value("state", "") == "operational";
}

}  // namespace edge_test
