// `printgate-edge pair CODE`: pair this edge with a relay once; `run` connects by itself after.
#include "commands.hpp"
#include "printgate/tunnel/pairing.hpp"
#include "tunnel_link.hpp"

#include <iostream>
#include <memory>

namespace printgate::edge {

namespace {

struct pair_options {
    std::string code;
    std::string config_file;
    std::string state_dir;
    int timeout_s = 30;
};

int pair(const pair_options& o) {
    auto config = command_config(o.config_file, true, {}, o.state_dir);
    if (!config) return 2;
    const auto dir = tunnel_dir(config->state_dir);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    // Only this user may read the device key's folder.
    if (!ec) std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
    if (ec) {
        std::cerr << "printgate-edge: cannot create " << dir.string() << ": " << ec.message() << "\n";
        return 1;
    }
    auto paired = tunnel::pair_with_relay_blocking(o.code, dir, std::chrono::seconds(o.timeout_s), PRINTGATE_VERSION);
    if (!paired) {
        // The code's secret is never echoed: the message names what was wrong with it.
        std::cerr << "printgate-edge: pairing failed: " << paired.message() << "\n";
        return 1;
    }
    std::cout << "paired as '" << paired->name << "' (" << paired->device_id << ") with the relay at "
              << paired->relay_host << ":" << paired->relay_port << "; the identity is in " << dir.string()
              << "\n`printgate-edge run` now keeps the tunnel up by itself." << std::endl;
    return 0;
}

}  // namespace

command_runner add_pair_command(CLI::App& app) {
    auto o = std::make_shared<pair_options>();
    app.add_option("code", o->code, "the pairing code printed by `printgate-relay device add NAME`")->required();
    app.add_option("--config", o->config_file, "TOML configuration file (for its state folder)");
    app.add_option("--state-dir", o->state_dir, "state folder; the identity goes to STATE_DIR/tunnel");
    app.add_option("--timeout", o->timeout_s, "seconds to wait for the relay")->capture_default_str();
    return [o] { return pair(*o); };
}

}  // namespace printgate::edge
