// printgate-relay: the relay's server and its admin commands.
#include <CLI/CLI.hpp>
#include <iostream>

#include "relay_commands.hpp"

int main(int argc, char** argv) {
    using namespace printgate::relay;
    CLI::App app{"printgate-relay: the tunnel server, device registry and browser gateway of printgate"};
    app.require_subcommand(1);
    relay_args args;
    std::string config_file;
    std::string state_dir;
    auto add_common = [&](CLI::App* cmd) {
        cmd->add_option("--config", config_file, "Configuration file (default /etc/printgate/relay.toml)");
        cmd->add_option("--state-dir", state_dir, "State directory (default from the configuration)");
        cmd->add_flag("--demo", args.demo, "Loopback listeners on OS-chosen ports, zone localhost, state in a temp dir");
    };
    std::string log_level;
    auto* serve = app.add_subcommand("serve", "Run the relay");
    add_common(serve);
    serve->add_option("--log-level", log_level, "trace, debug, info, warn, error, off");

    auto* device = app.add_subcommand("device", "Manage paired devices");
    device->require_subcommand(1);
    std::string name;
    bool json = false;
    auto* add = device->add_subcommand("add", "Print a single-use pairing code for a new device NAME");
    add->add_option("name", name, "Device name (DNS label: a-z, 0-9, -)")->required();
    add_common(add);
    auto* list = device->add_subcommand("list", "List devices");
    list->add_flag("--json", json, "JSON output");
    add_common(list);
    auto* revoke = device->add_subcommand("revoke", "Revoke device NAME for good and close its tunnel");
    revoke->add_option("name", name, "Device name")->required();
    add_common(revoke);

    auto* user = app.add_subcommand("user", "Manage accounts (the first one is created with the set-up link)");
    user->require_subcommand(1);
    bool owner = false;
    bool enable = false;
    auto* user_add = user->add_subcommand("add", "Add account NAME; the password is read from stdin");
    user_add->add_option("name", name, "User name")->required();
    user_add->add_flag("--owner", owner, "The new account is an owner (reads every account's audit log)");
    add_common(user_add);
    auto* user_list = user->add_subcommand("list", "List accounts");
    user_list->add_flag("--json", json, "JSON output");
    add_common(user_list);
    auto* user_disable = user->add_subcommand("disable", "Disable account NAME and end its sessions");
    user_disable->add_option("name", name, "User name")->required();
    user_disable->add_flag("--enable", enable, "Enable it again instead");
    add_common(user_disable);
    auto* user_reset = user->add_subcommand("reset-2fa", "Remove NAME's authenticator app and recovery codes");
    user_reset->add_option("name", name, "User name")->required();
    add_common(user_reset);

    auto* apikey = app.add_subcommand("apikey", "Manage per-device API keys (sent as X-Api-Key)");
    apikey->require_subcommand(1);
    api_key_request key_request;
    std::int64_t key_id = 0;
    auto* key_add = apikey->add_subcommand("add", "Create a key for DEVICE and print it once on stdout");
    key_add->add_option("device", key_request.device, "Paired device name")->required();
    key_add->add_option("--user", key_request.user, "The account the key acts as")->required();
    key_add->add_option("--scope", key_request.scopes, "Comma-separated: read, upload, control")->required();
    key_add->add_option("--label", key_request.label, "A note to tell keys apart (at most 100 characters)");
    add_common(key_add);
    auto* key_list = apikey->add_subcommand("list", "List keys (never the key itself)");
    key_list->add_flag("--json", json, "JSON output");
    add_common(key_list);
    auto* key_revoke = apikey->add_subcommand("revoke", "Revoke the key with id ID");
    key_revoke->add_option("id", key_id, "Key id (from apikey list)")->required();
    add_common(key_revoke);

    CLI11_PARSE(app, argc, argv);
    if (!config_file.empty()) args.config = config_file;
    if (!state_dir.empty()) args.state_dir = state_dir;
    if (serve->parsed()) return run_serve(args, log_level);
    if (add->parsed()) return run_device_add(args, name, std::cout, std::cerr);
    if (list->parsed()) return run_device_list(args, json, std::cout, std::cerr);
    if (revoke->parsed()) return run_device_revoke(args, name, std::cout, std::cerr);
    if (user_add->parsed()) return run_user_add(args, name, owner, std::cin, std::cout, std::cerr);
    if (user_list->parsed()) return run_user_list(args, json, std::cout, std::cerr);
    if (user_disable->parsed()) return run_user_disable(args, name, enable, std::cout, std::cerr);
    if (user_reset->parsed()) return run_user_reset_2fa(args, name, std::cout, std::cerr);
    if (key_add->parsed()) return run_api_key_add(args, key_request, std::cout, std::cerr);
    if (key_list->parsed()) return run_api_key_list(args, json, std::cout, std::cerr);
    if (key_revoke->parsed()) return run_api_key_revoke(args, key_id, std::cout, std::cerr);
    return 2;
}
