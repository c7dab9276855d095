#include "printgate_side.hpp"

#include "load.hpp"
#include "peers.hpp"
#include "temp_dir.hpp"

#include <printgate/tunnel/pairing.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <signal.h>

#include <mutex>

namespace printgate::bench {

namespace net = boost::asio;
using testing::child_process;
using testing::wait_until;

namespace {

std::uint16_t port_after(const std::string& text, const std::string& key) {
    auto at = text.find(key);
    if (at == std::string::npos) return 0;
    return static_cast<std::uint16_t>(std::stoi(text.substr(at + key.size())));
}

bool port_is_free(std::uint16_t port) {
    net::io_context io;
    net::ip::tcp::acceptor a(io);
    boost::system::error_code ec;
    a.open(net::ip::tcp::v4(), ec);
    a.set_option(net::ip::tcp::acceptor::reuse_address(true), ec);
    a.bind({net::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
}

}  // namespace

relay_runner::relay_runner(std::filesystem::path binary, std::filesystem::path dir)
    : binary_(std::move(binary)), dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_ / "state");
    tunnel_port_ = free_port();
    https_port_ = free_port();
    // Fixed ports: paired edges keep the tunnel address they were given, also across a restart.
    testing::write_file(dir_ / "relay.toml", fmt::format("zone = \"localhost\"\nlog_level = \"warn\"\n"
                                                         "[tunnel]\nlisten = \"127.0.0.1:{}\"\n"
                                                         "[https]\nlisten = \"127.0.0.1:{}\"\n"
                                                         // 1,001 devices pair from 127.0.0.1
                                                         "[login]\npairing_burst = 1000\npairing_refill_seconds = 1\n",
                                                         tunnel_port_, https_port_));
}

relay_runner::~relay_runner() { stop(); }

bool relay_runner::start() {
    ++starts_;
    // After a restart, the old process may still hold the ports for a moment.
    wait_until([&] { return port_is_free(tunnel_port_) && port_is_free(https_port_); }, std::chrono::seconds(10));
    const auto log = dir_ / ("relay" + std::to_string(starts_));
    process_ = std::make_unique<child_process>(
        std::vector<std::string>{binary_.string(), "serve", "--demo", "--config", (dir_ / "relay.toml").string(),
                                 "--state-dir", (dir_ / "state").string()},
        log.string() + ".out", log.string() + ".err");
    bool ready = wait_until(
        [&] { return !process_->running() || process_->out().find("printgate-relay ready") != std::string::npos; },
        std::chrono::seconds(60));
    const auto line = process_->out();
    if (!ready || !process_->running() || port_after(line, "tunnel=127.0.0.1:") != tunnel_port_) {
        error_ = "printgate-relay did not start: " + line + process_->err();
        return false;
    }
    return true;
}

void relay_runner::stop() {
    if (process_) process_->stop(std::chrono::seconds(5));
    process_.reset();
}

std::vector<std::string> relay_runner::add_devices(const std::vector<std::string>& names, int parallel) {
    std::vector<std::string> codes(names.size());
    std::atomic<std::size_t> next{0};
    std::mutex failed;
    auto worker = [&] {
        for (std::size_t i; (i = next++) < names.size();) {
            const auto base = dir_ / fmt::format("cli-{}", names[i]);  // one per device: workers run side by side
            // The CLI and the running relay share the registry: a busy database is retried.
            for (int attempt = 0; attempt < 5 && codes[i].empty(); ++attempt) {
                child_process p({binary_.string(), "device", "add", names[i], "--demo", "--state-dir",
                                 (dir_ / "state").string()},
                                base.string() + ".out", base.string() + ".err");
                auto status = p.wait(std::chrono::seconds(60));
                auto code = p.out();
                while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
                if (status && *status == 0 && code.starts_with("pg1.")) {
                    codes[i] = code;
                } else {
                    std::lock_guard lock(failed);
                    error_ = fmt::format("device add {}: status {} {}{}", names[i], status ? *status : -1, code,
                                         p.err());
                }
            }
        }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < parallel; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    return codes;
}

std::string relay_runner::create_api_key(const std::string& device) {
    const auto state = (dir_ / "state").string();
    const auto password = dir_ / "owner-password";
    testing::write_file(password, "bench owner passphrase 7\n");
    std::filesystem::permissions(password, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    child_process user({"/bin/sh", "-c", "exec \"$@\" < \"" + password.string() + "\"", "sh", binary_.string(),
                        "user", "add", "bench", "--owner", "--demo", "--state-dir", state},
                       dir_ / "user-add.out", dir_ / "user-add.err");
    auto added = user.wait(std::chrono::seconds(60));
    if (!added || *added != 0) {
        error_ = fmt::format("user add: status {} {}", added ? *added : -1, user.err());
        return {};
    }
    child_process key({binary_.string(), "apikey", "add", device, "--user", "bench", "--scope", "read,upload,control",
                       "--label", "bench", "--demo", "--state-dir", state},
                      dir_ / "apikey-add.out", dir_ / "apikey-add.err");
    auto created = key.wait(std::chrono::seconds(60));
    auto text = key.out();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (!created || *created != 0 || !text.starts_with("pgk_")) {
        error_ = fmt::format("apikey add: status {} {}", created ? *created : -1, key.err());
        return {};
    }
    return text;
}

edge_fleet::~edge_fleet() { stop(); }

bool edge_fleet::pair(const std::vector<std::string>& codes, const std::filesystem::path& dir, int parallel) {
    net::io_context io;
    std::size_t next = 0;
    std::vector<std::filesystem::path> dirs(codes.size());
    std::size_t failures = 0;
    auto worker = [&]() -> net::awaitable<void> {
        while (next < codes.size()) {
            const std::size_t i = next++;
            auto state = dir / fmt::format("edge{}", i);
            auto paired = co_await tunnel::pair_with_relay(codes[i], state);
            if (paired) {
                dirs[i] = state;
            } else {
                ++failures;
                error_ = "pairing: " + paired.message();
            }
        }
    };
    for (int w = 0; w < parallel; ++w) net::co_spawn(io, worker(), net::detached);
    io.run();
    for (auto& d : dirs)
        if (!d.empty()) state_dirs_.push_back(d);
    return failures == 0;
}

bool edge_fleet::connect(std::chrono::seconds timeout) {
    io_ = std::make_unique<net::io_context>(1);
    for (const auto& state : state_dirs_) {
        tunnel::connector_options options;
        options.state_dir = state;
        options.version = "bench";
        if (initial_window_ > 0) options.session.initial_window = initial_window_;
        options.policy = {std::chrono::milliseconds(200), std::chrono::milliseconds(2000), std::chrono::seconds(60)};
        auto* io = io_.get();
        options.on_stream = [io](common::any_stream s) { net::co_spawn(*io, serve_sink(std::move(s)), net::detached); };
        options.on_state = [this](bool up) {
            if (up) ++up_;
            else --up_;
        };
        auto c = tunnel::connector::create(io_->get_executor(), std::move(options));
        net::co_spawn(*io_, c->run(), net::detached);
        connectors_.push_back(std::move(c));
    }
    thread_ = std::thread([io = io_.get()] {
        auto work = net::make_work_guard(*io);
        io->run();
    });
    if (!wait_until([&] { return up_.load() == state_dirs_.size(); }, timeout)) {
        error_ = fmt::format("only {} of {} tunnels came up", up_.load(), state_dirs_.size());
        return false;
    }
    return true;
}

void edge_fleet::stop() {
    if (!io_) return;
    net::post(*io_, [this] {
        for (auto& c : connectors_) c->stop();
    });
    wait_until([&] { return up_.load() == 0; }, std::chrono::seconds(5));
    io_->stop();
    if (thread_.joinable()) thread_.join();
    connectors_.clear();
    io_.reset();
}

}  // namespace printgate::bench
