#pragma once
#include <CLI/CLI.hpp>

#include <functional>

namespace printgate::edge {

// Each sub-command registers its options and returns what runs it (exit status).
using command_runner = std::function<int()>;

command_runner add_print_command(CLI::App& app);
command_runner add_ports_command(CLI::App& app);
command_runner add_run_command(CLI::App& app);
command_runner add_pair_command(CLI::App& app);

}  // namespace printgate::edge
