#pragma once
// printgate's side of bench tunnel: the real printgate-relay on fixed loopback ports (so
// that it can be restarted and paired edges find it again), an edge side in this process
// (a tunnel::connector whose streams are served by serve_sink), and a fleet of paired
// devices that keep many idle tunnels open.
#include <printgate/tunnel/connector.hpp>

#include "process.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace printgate::bench {

class relay_runner {
public:
    relay_runner(std::filesystem::path binary, std::filesystem::path dir);
    ~relay_runner();

    // Starts `serve --demo` on the same ports and state every time; waits for the ready line.
    bool start();
    void stop();
    // Pairing codes for new devices from the admin CLI (`device add`), `parallel` at a time.
    std::vector<std::string> add_devices(const std::vector<std::string>& names, int parallel);
    // The login gate's way in for a program: an owner account (`user add --owner`, password
    // on stdin) and an API key with every scope for `device` (`apikey add`). Empty on failure.
    std::string create_api_key(const std::string& device);

    std::uint16_t tunnel_port() const { return tunnel_port_; }
    std::uint16_t https_port() const { return https_port_; }
    int pid() const { return process_ ? process_->pid() : -1; }
    const std::string& error() const { return error_; }

private:
    std::filesystem::path binary_, dir_;
    std::uint16_t tunnel_port_ = 0, https_port_ = 0;
    std::unique_ptr<testing::child_process> process_;
    int starts_ = 0;
    std::string error_;
};

// Paired devices whose connectors run on one thread of their own. Every stream the relay
// opens to one of them is served by serve_sink.
class edge_fleet {
public:
    edge_fleet() = default;
    ~edge_fleet();

    // Pairs one device per code (state under dir/NAME-index), `parallel` pairings at a time.
    bool pair(const std::vector<std::string>& codes, const std::filesystem::path& dir, int parallel);
    // A device paired before (its state dir), e.g. a copy whose relay.json names another port.
    void adopt(const std::filesystem::path& state_dir) { state_dirs_.push_back(state_dir); }
    // The window a new stream starts with (session_options::initial_window); 0: the default.
    void set_initial_window(std::uint32_t bytes) { initial_window_ = bytes; }
    // Starts a connector per paired device and waits until all are up (welcomed by the relay).
    bool connect(std::chrono::seconds timeout);
    void stop();
    std::size_t up() const { return up_.load(); }
    std::size_t size() const { return state_dirs_.size(); }
    const std::string& error() const { return error_; }

private:
    std::vector<std::filesystem::path> state_dirs_;
    std::unique_ptr<boost::asio::io_context> io_;
    std::vector<std::shared_ptr<tunnel::connector>> connectors_;
    std::thread thread_;
    std::atomic<std::size_t> up_{0};
    std::uint32_t initial_window_ = 0;
    std::string error_;
};

}  // namespace printgate::bench
