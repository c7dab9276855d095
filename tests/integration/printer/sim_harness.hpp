#pragma once
// Black-box helpers for the printgate-sim tests: start the real binary, open its pty or
// connect to its TCP port, and speak raw protocol bytes line by line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace sim_test {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using printgate::testing::child_process;
using printgate::testing::temp_dir;
using printgate::testing::wait_until;

// Deadlines are generous on purpose: the tests check what happens, never how fast.
constexpr auto patience = std::chrono::milliseconds(10000);

inline unsigned checksum(std::string_view s) {
    unsigned char c = 0;
    for (char ch : s) c ^= static_cast<unsigned char>(ch);
    return c;
}

// "N<n> <cmd>*<checksum>\n", as a host sends it.
inline std::string numbered(long n, std::string_view cmd) {
    std::string s = "N" + std::to_string(n) + " " + std::string(cmd);
    return s + "*" + std::to_string(checksum(s)) + "\n";
}

inline bool starts_with(std::string_view s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

// One end of the line: a pty slave or a TCP socket, read line by line with a transcript.
class line_port {
public:
    static std::unique_ptr<line_port> open_pty(const fs::path& link) {
        const int fd = ::open(link.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) return nullptr;
        termios tio{};
        ::tcgetattr(fd, &tio);
        ::cfmakeraw(&tio);
        ::tcsetattr(fd, TCSANOW, &tio);  // not TCSAFLUSH: keep the banner already waiting
        return std::unique_ptr<line_port>(new line_port(fd));
    }

    static std::unique_ptr<line_port> connect_tcp(int port) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd);
            return nullptr;
        }
        return std::unique_ptr<line_port>(new line_port(fd));
    }

    ~line_port() { ::close(fd_); }
    line_port(const line_port&) = delete;
    line_port& operator=(const line_port&) = delete;

    bool send(std::string_view bytes) {
        while (!bytes.empty()) {
            const auto n = ::write(fd_, bytes.data(), bytes.size());
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // Next complete line (without its newline); nullopt on timeout or when the far end is gone.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout = patience) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                transcript_.push_back(line);
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || closed_) return std::nullopt;
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[4096];
            const auto n = ::read(fd_, chunk, sizeof chunk);
            if (n <= 0) {
                closed_ = true;  // EOF or EIO: the port went away
                continue;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // Reads until a line satisfies `match`; returns every line read on the way, the matching
    // one last. Fails the test when none comes in time, and then ends with an empty line.
    std::vector<std::string> read_until(const std::function<bool(const std::string&)>& match,
                                        std::chrono::milliseconds timeout = patience) {
        std::vector<std::string> lines;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto line = read_line(std::max(left, std::chrono::milliseconds(0)));
            if (!line) {
                ADD_FAILURE() << "no matching line in time; transcript:\n" << transcript();
                lines.emplace_back();  // so that callers may look at back()
                return lines;
            }
            lines.push_back(*line);
            if (match(*line)) return lines;
        }
    }

    std::vector<std::string> read_until_prefix(std::string_view prefix,
                                               std::chrono::milliseconds timeout = patience) {
        return read_until([prefix](const std::string& l) { return starts_with(l, prefix); }, timeout);
    }

    // Skips whatever the port said before now (a banner, or the tail of output that was
    // under way when a TCP client connected): asks for an echo and reads up to its ok.
    void resync() {
        static int counter = 0;
        const std::string marker = "sync-" + std::to_string(++counter);
        send("M118 " + marker + "\n");
        read_until([&](const std::string& l) { return l == marker; });
        read_until([](const std::string& l) { return l == "ok"; });
    }

    // True when the far end hung up (EOF on TCP, EIO on a pty) within the timeout.
    bool wait_closed(std::chrono::milliseconds timeout = patience) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!closed_ && std::chrono::steady_clock::now() < deadline) read_line(100ms);
        return closed_;
    }

    std::string transcript() const {
        std::string out;
        for (const auto& l : transcript_) out += "  | " + l + "\n";
        return out;
    }

private:
    explicit line_port(int fd) : fd_(fd) {}

    int fd_;
    std::string buffer_;
    bool closed_ = false;
    std::vector<std::string> transcript_;
};

// The real printgate-sim, with --log and --summary in a temporary directory.
class sim_process {
public:
    enum class transport { pty, tcp };

    explicit sim_process(std::vector<std::string> options, transport how = transport::pty)
        : link_(dir_ / "ttySIM"), log_(dir_ / "exec.log"), summary_(dir_ / "summary.json") {
        std::vector<std::string> argv{PRINTGATE_SIM_BIN};
        if (how == transport::pty)
            argv.insert(argv.end(), {"--pty", link_.string()});
        else
            argv.insert(argv.end(), {"--tcp", "127.0.0.1:0"});
        argv.insert(argv.end(), {"--log", log_.string(), "--summary", summary_.string()});
        argv.insert(argv.end(), options.begin(), options.end());
        child_ = std::make_unique<child_process>(argv, dir_ / "out.txt", dir_ / "err.txt");
        ready_ =
            wait_until([this] { return child_->out().find('\n') != std::string::npos || !child_->running(); },
                       patience) &&
            child_->out().find("printgate-sim ready ") == 0;
        if (ready_ && how == transport::tcp) {
            const auto out = child_->out();
            port_ = std::stoi(out.substr(out.rfind(':') + 1));
        }
    }

    bool ready() const { return ready_; }
    const fs::path& link() const { return link_; }
    int port() const { return port_; }
    child_process& process() { return *child_; }
    const temp_dir& dir() const { return dir_; }

    std::unique_ptr<line_port> open() {
        return port_ ? line_port::connect_tcp(port_) : line_port::open_pty(link_);
    }

    std::string log() const { return printgate::testing::read_file(log_); }

    // The log's lines split into fields: {ms, origin, text}.
    std::vector<std::vector<std::string>> log_lines() const {
        std::vector<std::vector<std::string>> out;
        std::istringstream in(log());
        for (std::string line; std::getline(in, line);) {
            std::vector<std::string> fields;
            std::istringstream f(line);
            for (std::string field; std::getline(f, field, '\t');) fields.push_back(field);
            out.push_back(fields);
        }
        return out;
    }

    bool log_contains(std::string_view text) const { return log().find(text) != std::string::npos; }

    // SIGTERM, expect exit 0, and read the summary it wrote.
    nlohmann::json stop() {
        const int status = child_->stop();
        EXPECT_EQ(status, 0) << "stderr:\n" << child_->err();
        if (!fs::exists(summary_)) {
            ADD_FAILURE() << "no summary written";
            return nlohmann::json::object();
        }
        return nlohmann::json::parse(printgate::testing::read_file(summary_));
    }

private:
    temp_dir dir_;
    fs::path link_;
    fs::path log_;
    fs::path summary_;
    std::unique_ptr<child_process> child_;
    bool ready_ = false;
    int port_ = 0;
};

// Fast settings for tests that are about the protocol, not about pacing.
inline std::vector<std::string> unpaced(std::vector<std::string> more = {}) {
    std::vector<std::string> args{"--baud", "0", "--usb-latency-us", "0", "--cmd-time-us", "0"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

}  // namespace sim_test
