// `printgate-edge run`: the edge application (printer manager, HTTP API, files, history).
#include "commands.hpp"
#include "printgate/edge/edge_app.hpp"
#include "sim_process.hpp"
#include "tunnel_link.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace printgate::edge {

namespace net = boost::asio;

namespace {

struct run_options {
    std::string config_file;
    bool demo = false;
    std::string sim_binary;
    std::string state_dir;
    unsigned tunnel_backoff_max_ms = 60000;
};

int run_edge(const run_options& o) {
    edge_config base;
    if (o.demo) {
        std::filesystem::path dir = o.state_dir;
        if (dir.empty()) {
            std::string pattern = (std::filesystem::temp_directory_path() / "printgate-demo-XXXXXX").string();
            if (!::mkdtemp(pattern.data())) {
                std::cerr << "printgate-edge: cannot create a temporary folder\n";
                return 1;
            }
            dir = pattern;
        }
        base = demo_config(dir);
    }
    // No file named and not a demo: /etc/printgate/edge.toml when it exists.
    auto loaded = command_config(o.config_file, !o.demo, base, o.state_dir);
    if (!loaded) return 2;
    edge_config config = std::move(*loaded);
    if (!o.sim_binary.empty()) config.sim_binary = o.sim_binary;

    std::signal(SIGPIPE, SIG_IGN);
    sim_process sim;
    if (o.demo) {
        std::error_code ec;
        std::filesystem::create_directories(config.state_dir, ec);
        const auto link = config.state_dir / "printer.tty";
        std::string why;
        if (!sim.start(config.sim_binary, link, config.sim_args, why)) {
            std::cerr << "printgate-edge: " << why << "\n";
            return 1;
        }
        config.printer_port = link.string();
        config.auto_connect = true;
    }

    net::io_context io;
    std::string why;
    auto app = edge_app::create(io.get_executor(), config, why);
    if (!app) {
        std::cerr << "printgate-edge: " << why << "\n";
        return 1;
    }
    const auto port = app->listen(why);
    if (port == 0) {
        std::cerr << "printgate-edge: " << why << "\n";
        return 1;
    }
    app->start();
    spdlog::info("state in {}; API key in {}", config.state_dir.string(),
                 config.api_key.empty() ? (config.state_dir / "api_key").string() : "the configuration");
    tunnel_link_options tunnel_options;
    tunnel_options.backoff_max = std::chrono::milliseconds(o.tunnel_backoff_max_ms);
    tunnel_options.backoff_initial = std::min(tunnel_options.backoff_initial, tunnel_options.backoff_max);
    auto tunnel = tunnel_link::start(io.get_executor(), *app, tunnel_options, why);
    if (tunnel)
        spdlog::info("paired as '{}': keeping the tunnel to {} up", tunnel->device(), tunnel->relay());
    else
        spdlog::info("no tunnel: {}", why);
    std::cout << "printgate-edge ready http=" << config.http_address << ":" << port;
    if (tunnel) std::cout << " relay=" << tunnel->relay() << " device=" << tunnel->device();
    if (!app->tls_fingerprint().empty()) std::cout << " tls_sha256=" << app->tls_fingerprint();
    std::cout << std::endl;

    net::signal_set signals(io, SIGINT, SIGTERM);
    net::steady_timer grace(io);
    signals.async_wait([&](boost::system::error_code ec, int) {
        if (ec) return;
        if (tunnel) tunnel->stop();
        app->stop();
        // Let the host say its last words (heaters off, the link closed), then end.
        grace.expires_after(std::chrono::milliseconds(300));
        grace.async_wait([&](boost::system::error_code) { io.stop(); });
    });
    io.run();
    tunnel.reset();
    app.reset();
    sim.stop();
    return 0;
}

}  // namespace

command_runner add_run_command(CLI::App& app) {
    auto o = std::make_shared<run_options>();
    app.add_option("--config", o->config_file, "TOML configuration file (see edge/README.md)");
    app.add_flag("--demo", o->demo, "simulated printer on a pty, HTTP on an OS-chosen loopback port, state in a temporary folder");
    app.add_option("--sim-binary", o->sim_binary, "printgate-sim to start for --demo (default: printgate-sim on PATH)");
    app.add_option("--state-dir", o->state_dir, "state folder (history, files, API key, pairing); overrides the configuration");
    app.add_option("--tunnel-backoff-max-ms", o->tunnel_backoff_max_ms,
                   "longest wait between attempts to reach the relay (backoff with full jitter)")
        ->capture_default_str();
    return [o] { return run_edge(*o); };
}

}  // namespace printgate::edge
