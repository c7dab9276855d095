#pragma once
// The printgate-relay subcommands, apart from the command line parsing in main.cpp.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "printgate/relay/config.hpp"

namespace printgate::relay {

struct relay_args {
    std::optional<std::filesystem::path> config;     // --config (default /etc/printgate/relay.toml if present)
    std::optional<std::filesystem::path> state_dir;  // --state-dir overrides the config
    bool demo = false;
};

// The configuration the arguments select; an error message when it cannot be loaded.
tunnel::identity_result<relay_config> resolve_config(const relay_args& args);

class auth_service;
// For the admin commands: the configuration and the auth database it names (with its login
// settings). Nothing, after a message on `err`, when either cannot be opened. Destroy it
// where auth_service.hpp is included.
struct admin_state {
    relay_config config;
    std::unique_ptr<auth_service> auth;
};
std::optional<admin_state> open_admin_state(const relay_args& args, std::ostream& err);

int run_serve(const relay_args& args, const std::string& log_level);
int run_device_add(const relay_args& args, const std::string& name, std::ostream& out, std::ostream& err);
int run_device_list(const relay_args& args, bool json, std::ostream& out, std::ostream& err);
int run_device_revoke(const relay_args& args, const std::string& name, std::ostream& out, std::ostream& err);

// Accounts (user_commands.cpp), on the auth database in the state directory; they work
// while the relay runs. `user add` reads the password from the first line of `in` (with
// echo off when it is a terminal).
int run_user_add(const relay_args& args, const std::string& name, bool owner, std::istream& in, std::ostream& out,
                 std::ostream& err);
int run_user_list(const relay_args& args, bool json, std::ostream& out, std::ostream& err);
int run_user_disable(const relay_args& args, const std::string& name, bool enable, std::ostream& out,
                     std::ostream& err);
int run_user_reset_2fa(const relay_args& args, const std::string& name, std::ostream& out, std::ostream& err);

// Per-device API keys (api_key_commands.cpp). `add` prints the key alone on stdout, once;
// an unknown device or user, a disabled user or a bad scope list is exit 2 with nothing
// stored. Creation and revocation go to the audit log.
struct api_key_request {
    std::string device;
    std::string user;
    std::string scopes;  // "read,upload,control"
    std::string label;
};
int run_api_key_add(const relay_args& args, const api_key_request& request, std::ostream& out, std::ostream& err);
int run_api_key_list(const relay_args& args, bool json, std::ostream& out, std::ostream& err);
int run_api_key_revoke(const relay_args& args, std::int64_t id, std::ostream& out, std::ostream& err);

}  // namespace printgate::relay
