// printgate-edge: runs beside the printer.
#include "commands.hpp"
#include "lan_user_command.hpp"
#include "printgate/common/logging.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

int main(int argc, char** argv) {
    CLI::App app{"printgate-edge: drives a 3D printer over USB serial and serves it to the printgate relay"};
    app.require_subcommand(1);
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();

    std::map<CLI::App*, printgate::edge::command_runner> runners;
    auto* print = app.add_subcommand("print", "Print a G-code file headless and exit 0 only when every line was acknowledged");
    runners[print] = printgate::edge::add_print_command(*print);
    auto* run = app.add_subcommand("run", "Run the edge application: printer manager, HTTP API, files, jobs, history");
    runners[run] = printgate::edge::add_run_command(*run);
    auto* pair = app.add_subcommand("pair", "Pair with a relay using a code from `printgate-relay device add NAME`");
    runners[pair] = printgate::edge::add_pair_command(*pair);
    auto* ports = app.add_subcommand("ports", "List serial ports with what identifies them");
    runners[ports] = printgate::edge::add_ports_command(*ports);
    auto* user = app.add_subcommand("user", "Accounts that may sign in on the LAN listener: add, totp, list, disable, enable");
    runners[user] = printgate::edge::add_user_command(*user);

    CLI11_PARSE(app, argc, argv);
    if (!printgate::setup_logging("printgate-edge", log_level)) {
        std::cerr << "unknown log level '" << log_level << "'\n";
        return 2;
    }
    for (auto& [sub, run] : runners)
        if (sub->parsed()) return run();
    return 2;
}
