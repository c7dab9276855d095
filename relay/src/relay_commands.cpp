#include "relay_commands.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>

#include "auth_pages.hpp"
#include "auth_service.hpp"
#include "browser_listener.hpp"
#include "demo_certificates.hpp"
#include "return_target.hpp"
#include "session_gate.hpp"
#include "printgate/common/logging.hpp"
#include "printgate/relay/ca_store.hpp"
#include "printgate/relay/registry.hpp"
#include "printgate/tunnel/identity_files.hpp"
#include "printgate/tunnel/pairing_code.hpp"
#include "tunnel_server.hpp"

namespace printgate::relay {
namespace {

namespace fs = std::filesystem;
using tcp = net::ip::tcp;

constexpr const char* default_config = "/etc/printgate/relay.toml";
constexpr const char* address_file = "tunnel-address";  // the public tunnel address the running relay uses

// The device registry that `serve` and every `device` command share.
fs::path registry_file(const relay_config& config) { return config.state_dir / "registry.db"; }

std::string iso_time(wall_time t) {
    auto tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string make_demo_dir() {
    auto base = fs::temp_directory_path() / "printgate-relay-demo-XXXXXX";
    std::string pattern = base.string();
    if (::mkdtemp(pattern.data()) == nullptr) return {};
    return pattern;
}

}  // namespace

identity_result<relay_config> resolve_config(const relay_args& args) {
    // --demo starts from the demo settings (loopback, ports chosen by the OS, zone localhost);
    // a --config file given with it changes only the keys it names.
    relay_config config = args.demo ? demo_config() : relay_config{};
    if (args.config) {
        auto loaded = load_config(*args.config, config);
        if (!loaded) return loaded;
        config = std::move(*loaded);
    } else if (!args.demo && fs::exists(default_config)) {
        auto loaded = load_config(default_config);
        if (!loaded) return loaded;
        config = std::move(*loaded);
    }
    if (args.demo) {
        config.demo = true;
        config.zone = "localhost";
        config.tunnel_listen.host = "127.0.0.1";
        config.https_listen.host = "127.0.0.1";
    }
    if (args.state_dir) config.state_dir = *args.state_dir;
    return config;
}

int run_serve(const relay_args& in_args, const std::string& log_level) {
    auto args = in_args;
    if (args.demo && !args.state_dir) {
        auto dir = make_demo_dir();
        if (dir.empty()) {
            std::cerr << "printgate-relay: cannot create a temporary state directory\n";
            return 1;
        }
        args.state_dir = dir;
    }
    auto config = resolve_config(args);
    if (!config) {
        std::cerr << "printgate-relay: " << config.message() << "\n";
        return 2;
    }
    if (!setup_logging("printgate-relay", log_level.empty() ? config->log_level : log_level)) {
        std::cerr << "printgate-relay: unknown log level\n";
        return 2;
    }
    auto now = std::chrono::system_clock::now();
    auto ca = load_or_create_ca(config->state_dir, now);
    if (!ca) {
        spdlog::error("{}", ca.message());
        return 1;
    }
    auto devices = registry::open(registry_file(*config));
    if (!devices) {
        spdlog::error("{}", devices.message());
        return 1;
    }
    spdlog::info("state in {}, CA fingerprint {}", config->state_dir.string(), ca->fingerprint());

    std::string public_host = config->tunnel_public.host.empty() ? config->tunnel_listen.host : config->tunnel_public.host;
    std::vector<std::string> tunnel_hosts{public_host};
    if (config->demo && public_host != "localhost") tunnel_hosts.push_back("localhost");
    auto tunnel_files = issue_server_files(*ca, config->state_dir, "tunnel", tunnel_hosts, now);
    if (!tunnel_files) {
        spdlog::error("tunnel certificate: {}", tunnel_files.message());
        return 1;
    }
    fs::path https_chain = config->https_certificate;
    fs::path https_key = config->https_key;
    if (https_chain.empty()) {
        if (!config->demo) {
            spdlog::error("https.certificate and https.key must be set (or use --demo)");
            return 2;
        }
        auto dev = issue_server_files(*ca, config->state_dir, "https-dev",
                                      {config->zone, "127.0.0.1"}, now);
        if (!dev) {
            spdlog::error("development HTTPS certificate: {}", dev.message());
            return 1;
        }
        https_chain = dev->chain_file;
        https_key = dev->key_file;
    }

    auto auth = auth_service::open(config->state_dir, auth_settings_for(*config));
    if (!auth) {
        spdlog::error("auth database in {}: {}", config->state_dir.string(), auth.message());
        return 1;
    }
    net::io_context io(1);
    tunnel_server_options tunnel_options;
    tunnel_options.pairing_limit = [limiter = &auth.value()->limiter](std::string_view address) {
        return limiter->allow_address(auth::limit_kind::pairing, address);
    };
    tunnel_options.on_paired = [service = auth.value().get()](const std::string& device, std::string_view address) {
        (void)service->audit.record({auth::audit_event::device_paired, std::nullopt, {}, address, device});
    };
    tunnel_server tunnels(io.get_executor(), **devices, *ca, tunnel_options);
    error_code ec;
    auto tunnel_address = net::ip::make_address(config->tunnel_listen.host, ec);
    if (ec) {
        spdlog::error("tunnel.listen: '{}' is not an IP address", config->tunnel_listen.host);
        return 2;
    }
    if (auto err = tunnels.open({tunnel_address, config->tunnel_listen.port}, *tunnel_files); !err.empty()) {
        spdlog::error("{}", err);
        return 1;
    }
    browser_options browser;
    browser.zone = config->zone;
    session_gate gate_check(*auth.value(), config->zone);
    const printer_sources printers{**devices, tunnels, tunnels.control()};
    auth_pages pages(*auth.value(), config->zone, &printers);
    browser_listener browsers(io.get_executor(), browser, tunnels, gate_check, pages);
    std::optional<demo_certificates> demo_certs;
    if (config->demo && config->https_certificate.empty()) {
        demo_certs.emplace(*ca, config->zone);
        browsers.on_tls_context([&demo_certs](net::ssl::context& tls) { demo_certs->install(tls.native_handle()); });
    }
    auto https_address = net::ip::make_address(config->https_listen.host, ec);
    if (ec) {
        spdlog::error("https.listen: '{}' is not an IP address", config->https_listen.host);
        return 2;
    }
    if (auto bec = browsers.open({https_address, config->https_listen.port}, https_chain, https_key)) {
        spdlog::error("HTTPS listener: {} ({})", bec.message(), browsers.last_error());
        return 1;
    }
    auto tunnel_port = tunnels.local_endpoint().port();
    listen_address advertised{public_host, config->tunnel_public.port ? config->tunnel_public.port : tunnel_port};
    if (auto ok = tunnel::write_file_atomic(config->state_dir / address_file, to_string(advertised) + "\n", 0644); !ok)
        spdlog::warn("{}", ok.message());

    net::co_spawn(io, tunnels.run(), net::detached);
    net::co_spawn(io, tunnels.watch_revocations(), net::detached);
    net::co_spawn(io, browsers.run(), net::detached);
    // For the login bench and operators: how much Argon2 work the sign-in traffic cost, on
    // SIGUSR1 and when the relay stops.
    auto print_stats = [&] {
        std::cout << "printgate-relay stats sign_in_attempts=" << auth.value()->sign_in_attempts.load()
                  << " hashes=" << auth.value()->hasher.hashes_computed()
                  << " hash_busy=" << auth.value()->hasher.slots().rejected() << std::endl;
    };
    net::signal_set stats_signal(io, SIGUSR1);
    std::function<void(error_code, int)> on_stats = [&](error_code sec, int) {
        if (sec) return;
        print_stats();
        stats_signal.async_wait(on_stats);
    };
    stats_signal.async_wait(on_stats);
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](error_code, int sig) {
        spdlog::info("signal {}: stopping", sig);
        tunnels.stop();
        browsers.stop();
        stats_signal.cancel();
        io.stop();
    });
    std::cout << "printgate-relay ready tunnel=" << to_string({config->tunnel_listen.host, tunnel_port})
              << " https=" << to_string({config->https_listen.host, browsers.local_endpoint().port()}) << std::endl;
    // No account yet: a one-time link for the owner, on stdout only (never in the log).
    if (auto token = auth.value()->open_setup()) {
        std::cout << "printgate-relay setup " << apex_origin(config->zone, browsers.local_endpoint().port())
                  << "/setup?token=" << *token << std::endl;
    }
    io.run();
    print_stats();
    return 0;
}

int run_device_add(const relay_args& args, const std::string& name, std::ostream& out, std::ostream& err) {
    auto config = resolve_config(args);
    if (!config) {
        err << "printgate-relay: " << config.message() << "\n";
        return 2;
    }
    auto now = std::chrono::system_clock::now();
    auto ca = load_or_create_ca(config->state_dir, now);
    if (!ca) {
        err << "printgate-relay: " << ca.message() << "\n";
        return 1;
    }
    listen_address address = config->tunnel_public;
    if (address.host.empty() || address.port == 0) {
        // What the running relay advertises (it knows the port it really bound).
        auto text = tunnel::read_small_file(config->state_dir / address_file, 1024);
        if (!text) {
            err << "printgate-relay: set tunnel.public_address in the config, or start the relay first\n";
            return 1;
        }
        while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
        auto parsed = parse_listen_address(*text);
        if (!parsed) {
            err << "printgate-relay: " << parsed.message() << "\n";
            return 1;
        }
        address = *parsed;
    }
    auto devices = registry::open(registry_file(*config));
    if (!devices) {
        err << "printgate-relay: " << devices.message() << "\n";
        return 1;
    }
    auto code = (*devices)->create_pairing_code(name, now);
    if (!code) {
        err << "printgate-relay: " << code.message() << "\n";
        return 1;
    }
    tunnel::pairing_code text{code->id, code->secret, ca->fingerprint(), address.host, address.port};
    out << tunnel::format_pairing_code(text) << "\n";
    err << "pairing code for '" << name << "': single use, valid until " << iso_time(code->expires_at) << ", "
        << pairing_code_attempts << " attempts. On the device: printgate-edge pair <code>\n";
    return 0;
}

int run_device_list(const relay_args& args, bool json, std::ostream& out, std::ostream& err) {
    auto config = resolve_config(args);
    if (!config) {
        err << "printgate-relay: " << config.message() << "\n";
        return 2;
    }
    auto devices = registry::open(registry_file(*config));
    if (!devices) {
        err << "printgate-relay: " << devices.message() << "\n";
        return 1;
    }
    auto list = (*devices)->devices(true);
    if (json) {
        auto array = nlohmann::json::array();
        for (const auto& d : list) {
            nlohmann::json j{{"name", d.name}, {"id", d.id}, {"created_at", iso_time(d.created_at)},
                             {"revoked", d.revoked_at.has_value()}};
            if (d.revoked_at) j["revoked_at"] = iso_time(*d.revoked_at);
            if (d.certificate_expires) j["certificate_expires"] = iso_time(*d.certificate_expires);
            array.push_back(std::move(j));
        }
        out << array.dump(2) << "\n";
        return 0;
    }
    for (const auto& d : list) {
        out << d.name << "  " << d.id << "  " << (d.revoked_at ? "revoked " + iso_time(*d.revoked_at) : "active")
            << (d.certificate_expires ? "  certificate until " + iso_time(*d.certificate_expires) : "") << "\n";
    }
    return 0;
}

int run_device_revoke(const relay_args& args, const std::string& name, std::ostream& out, std::ostream& err) {
    auto config = resolve_config(args);
    if (!config) {
        err << "printgate-relay: " << config.message() << "\n";
        return 2;
    }
    auto devices = registry::open(registry_file(*config));
    if (!devices) {
        err << "printgate-relay: " << devices.message() << "\n";
        return 1;
    }
    auto revoked = (*devices)->revoke(name, std::chrono::system_clock::now());
    if (!revoked) {
        err << "printgate-relay: " << revoked.message() << "\n";
        return 1;
    }
    out << "revoked " << revoked->name << " (" << revoked->id << "); a running relay closes its tunnel within a second\n";
    // The device's API keys go with it, and the owner's audit log says so.
    auto state = open_admin_state(args, err);
    if (!state) return 1;
    auto keys = state->auth->api_keys.revoke_device(revoked->name);
    if (!keys) {
        err << "printgate-relay: the device's API keys: " << keys.message() << "\n";
        return 1;
    }
    if (keys.value() > 0) out << "revoked its " << keys.value() << " API key(s)\n";
    (void)state->auth->audit.record(
        {auth::audit_event::device_revoked, std::nullopt, {}, "command line", revoked->name});
    return 0;
}

}  // namespace printgate::relay
