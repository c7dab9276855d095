// The configuration file handling shared by `printgate-edge run` and `printgate-edge pair`.
#include "commands.hpp"

#include <filesystem>
#include <iostream>

namespace printgate::edge {

std::optional<edge_config> command_config(std::string file, bool default_file, edge_config base,
                                          const std::string& state_dir) {
    constexpr const char* system_file = "/etc/printgate/edge.toml";
    if (file.empty() && default_file && std::filesystem::exists(system_file)) file = system_file;
    if (!file.empty()) {
        auto loaded = load_config(file, base);
        if (!loaded.config) {
            std::cerr << "printgate-edge: " << loaded.error << "\n";
            return std::nullopt;
        }
        base = std::move(*loaded.config);
    }
    if (!state_dir.empty()) base.state_dir = state_dir;
    return base;
}

}  // namespace printgate::edge
