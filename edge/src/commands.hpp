#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "printgate/edge/edge_config.hpp"

namespace printgate::edge {

// Each sub-command registers its options and returns what runs it (exit status).
using command_runner = std::function<int()>;

command_runner add_print_command(CLI::App& app);
command_runner add_ports_command(CLI::App& app);
command_runner add_run_command(CLI::App& app);
command_runner add_pair_command(CLI::App& app);

// The configuration a sub-command works with: `file` (when empty and `default_file` is set,
// /etc/printgate/edge.toml if it exists) over `base`, then --state-dir when given. nullopt
// after printing why to stderr (exit status 2).
std::optional<edge_config> command_config(std::string file, bool default_file, edge_config base,
                                          const std::string& state_dir);

}  // namespace printgate::edge
