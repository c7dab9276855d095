#pragma once
// The real printgate-relay on loopback for the pairing, handshake, revocation and reconnect
// tests: started with --demo and a state directory of the test's own, so that the admin
// CLI (another process, like a person at a shell) works on the same registry.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"
#include "temp_dir.hpp"

namespace printgate::testing {

class relay_process {
public:
    explicit relay_process(std::filesystem::path state_dir) : state_dir_(std::move(state_dir)) {}

    // Starts `printgate-relay serve --demo` (with `config_text` as its config file when not
    // empty) and waits for its ready line.
    void start(const std::string& config_text = {}) {
        std::vector<std::string> argv{PRINTGATE_RELAY_BIN, "serve", "--demo", "--state-dir", state_dir_.string()};
        if (!config_text.empty()) {
            auto config = state_dir_.parent_path() / "relay.toml";
            write_file(config, config_text);
            argv.push_back("--config");
            argv.push_back(config.string());
        }
        ++starts_;
        auto log = state_dir_.parent_path() / ("relay" + std::to_string(starts_));
        process_ = std::make_unique<child_process>(argv, log.string() + ".out", log.string() + ".err");
        bool ready = wait_until([&] { return process_->out().find("printgate-relay ready") != std::string::npos; },
                                std::chrono::seconds(60));
        ASSERT_TRUE(ready) << "relay did not start:\n" << process_->err();
        auto line = process_->out();
        tunnel_port_ = port_after(line, "tunnel=127.0.0.1:");
        https_port_ = port_after(line, "https=127.0.0.1:");
        ASSERT_NE(tunnel_port_, 0) << line;
    }

    void kill() {
        if (process_) {
            process_->signal(SIGKILL);
            process_->wait(std::chrono::seconds(10));
        }
    }

    // Runs the admin CLI against the same state directory; returns {exit status, stdout, stderr}.
    struct cli_result {
        int status = -1;
        std::string out;
        std::string err;
    };
    cli_result cli(std::vector<std::string> args) {
        std::vector<std::string> argv{PRINTGATE_RELAY_BIN};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--demo", "--state-dir", state_dir_.string()});
        auto base = state_dir_.parent_path() / ("cli" + std::to_string(++cli_runs_));
        child_process p(argv, base.string() + ".out", base.string() + ".err");
        auto status = p.wait(std::chrono::seconds(60));
        return {status ? *status : -1, p.out(), p.err()};
    }

    std::string add_device(const std::string& name) {
        auto r = cli({"device", "add", name});
        EXPECT_EQ(r.status, 0) << r.err;
        auto code = r.out;
        while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
        return code;
    }

    std::uint16_t tunnel_port() const { return tunnel_port_; }
    std::uint16_t https_port() const { return https_port_; }
    const std::filesystem::path& state_dir() const { return state_dir_; }
    std::string log() const { return process_ ? process_->err() : std::string(); }
    std::string out() const { return process_ ? process_->out() : std::string(); }
    // SIGTERM and wait; the relay's stdout stays readable through out().
    int stop() { return process_ ? process_->stop() : -1; }

private:
    static std::uint16_t port_after(const std::string& text, const std::string& key) {
        auto at = text.find(key);
        if (at == std::string::npos) return 0;
        return static_cast<std::uint16_t>(std::stoi(text.substr(at + key.size())));
    }

    std::filesystem::path state_dir_;
    std::unique_ptr<child_process> process_;
    std::uint16_t tunnel_port_ = 0;
    std::uint16_t https_port_ = 0;
    int starts_ = 0;
    int cli_runs_ = 0;
};

// Runs `io` until `done()` or the deadline (a generous bound for a failing case).
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        io.restart();
        io.run_for(std::chrono::milliseconds(20));
    }
    return true;
}

}  // namespace printgate::testing
