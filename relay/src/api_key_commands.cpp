// printgate-relay apikey add|list|revoke: per-device API keys (X-Api-Key) from the command
// line, for an owner setting up a slicer from a shell on the relay's machine. The key is
// printed once on stdout and never logged; lists show the public prefix only.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "auth_service.hpp"
#include "offline_page.hpp"
#include "printgate/relay/registry.hpp"
#include "relay_commands.hpp"

namespace printgate::relay {
namespace {

const char* cli_client = "command line";

// Every key with its owner's name, for list and revoke (the store lists per account).
struct owned_key {
    auth::api_key_info info;
    std::string user;
};

std::optional<std::vector<owned_key>> all_keys(auth_service& auth, std::ostream& err) {
    auto users = auth.users.list();
    if (!users) {
        err << "printgate-relay: " << users.message() << "\n";
        return std::nullopt;
    }
    std::vector<owned_key> keys;
    for (const auto& u : users.value()) {
        auto list = auth.api_keys.list(u.id);
        if (!list) {
            err << "printgate-relay: " << list.message() << "\n";
            return std::nullopt;
        }
        for (auto& k : list.value()) keys.push_back({std::move(k), u.name});
    }
    std::sort(keys.begin(), keys.end(), [](const owned_key& a, const owned_key& b) { return a.info.id < b.info.id; });
    return keys;
}

}  // namespace

int run_api_key_add(const relay_args& args, const api_key_request& request, std::ostream& out, std::ostream& err) {
    auto scopes = auth::api_scopes::parse(request.scopes);
    if (!scopes) {
        err << "printgate-relay: --scope takes a comma-separated list of read, upload, control\n";
        return 2;
    }
    if (request.label.size() > 100) {
        err << "printgate-relay: --label is at most 100 characters\n";
        return 2;
    }
    auto state = open_admin_state(args, err);
    if (!state) return 1;
    auto devices = registry::open(state->config.state_dir / "registry.db");
    if (!devices) {
        err << "printgate-relay: " << devices.message() << "\n";
        return 1;
    }
    if (!(*devices)->find_by_name(request.device)) {
        err << "printgate-relay: no paired device named '" << request.device << "'\n";
        return 2;
    }
    auto& auth = *state->auth;
    auto user = auth.users.find_by_name(request.user);
    if (!user) {
        err << "printgate-relay: no user named '" << request.user << "'\n";
        return 2;
    }
    if (user->disabled) {
        err << "printgate-relay: the account '" << request.user << "' is disabled\n";
        return 2;
    }
    auto key = auth.api_keys.create(user->id, request.device, *scopes, request.label);
    if (!key) {
        err << "printgate-relay: " << key.message() << "\n";
        return 1;
    }
    (void)auth.audit.record({auth::audit_event::api_key_created, user->id, user->name, cli_client,
                             request.device + " " + scopes->to_string()});
    out << key->key << "\n";
    err << "API key " << key->info.id << " for '" << request.device << "' (" << scopes->to_string() << ") of "
        << user->name << ": shown only this once; send it as X-Api-Key\n";
    return 0;
}

int run_api_key_list(const relay_args& args, bool json, std::ostream& out, std::ostream& err) {
    auto state = open_admin_state(args, err);
    if (!state) return 1;
    auto keys = all_keys(*state->auth, err);
    if (!keys) return 1;
    if (json) {
        auto array = nlohmann::json::array();
        for (const auto& k : *keys) {
            nlohmann::json j{{"id", k.info.id},
                             {"prefix", k.info.prefix},
                             {"device", k.info.device},
                             {"user", k.user},
                             {"scopes", k.info.scopes.to_string()},
                             {"label", k.info.label},
                             {"created_at", format_utc_minute(k.info.created_at)},
                             {"revoked", k.info.revoked}};
            if (k.info.last_used_at) j["last_used_at"] = format_utc_minute(*k.info.last_used_at);
            array.push_back(std::move(j));
        }
        out << array.dump(2) << "\n";
        return 0;
    }
    for (const auto& k : *keys) {
        out << k.info.id << "  " << k.info.prefix << "  " << k.info.device << "  " << k.user << "  "
            << k.info.scopes.to_string() << "  created " << format_utc_minute(k.info.created_at) << "  "
            << (k.info.last_used_at ? "last used " + format_utc_minute(*k.info.last_used_at) : "never used")
            << (k.info.revoked ? "  revoked" : "") << (k.info.label.empty() ? "" : "  " + k.info.label) << "\n";
    }
    return 0;
}

int run_api_key_revoke(const relay_args& args, std::int64_t id, std::ostream& out, std::ostream& err) {
    auto state = open_admin_state(args, err);
    if (!state) return 1;
    auto& auth = *state->auth;
    auto keys = all_keys(auth, err);
    if (!keys) return 1;
    auto key = std::find_if(keys->begin(), keys->end(), [&](const owned_key& k) { return k.info.id == id; });
    if (key == keys->end()) {
        err << "printgate-relay: no API key with id " << id << "\n";
        return 2;
    }
    if (key->info.revoked) {
        out << "API key " << id << " was revoked already\n";
        return 0;
    }
    if (auto done = auth.api_keys.revoke(key->info.user_id, id); !done) {
        err << "printgate-relay: " << done.message() << "\n";
        return 1;
    }
    (void)auth.audit.record({auth::audit_event::api_key_revoked, key->info.user_id, key->user, cli_client,
                             "key " + std::to_string(id)});
    out << "revoked API key " << id << " (" << key->info.device << ", " << key->user << ")\n";
    return 0;
}

}  // namespace printgate::relay
