// printgate-relay user add|list|disable|reset-2fa: accounts from the command line, for the
// owner at a shell on the relay's machine (who can read the state directory anyway).
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "auth_service.hpp"
#include "offline_page.hpp"
#include "relay_commands.hpp"

namespace printgate::relay {

std::optional<admin_state> open_admin_state(const relay_args& args, std::ostream& err) {
    auto config = resolve_config(args);
    if (!config) {
        err << "printgate-relay: " << config.message() << "\n";
        return std::nullopt;
    }
    auto auth = auth_service::open(config->state_dir, auth_settings_for(*config));
    if (!auth) {
        err << "printgate-relay: auth database in " << config->state_dir.string() << ": " << auth.message() << "\n";
        return std::nullopt;
    }
    return admin_state{std::move(config.value()), std::move(auth.value())};
}

namespace {

std::unique_ptr<auth_service> open_auth(const relay_args& args, std::ostream& err) {
    auto state = open_admin_state(args, err);
    return state ? std::move(state->auth) : nullptr;
}

// One line from `in`; on a terminal with echo off, so the password is not shown.
std::string read_password(std::istream& in, std::ostream& err) {
    const bool tty = &in == &std::cin && ::isatty(STDIN_FILENO);
    termios old{};
    if (tty) {
        err << "Password for the new account: " << std::flush;
        ::tcgetattr(STDIN_FILENO, &old);
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(in, line);
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
        err << "\n";
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

const char* cli_client = "command line";

std::optional<auth::user_record> find_user(auth_service& auth, const std::string& name, std::ostream& err) {
    auto user = auth.users.find_by_name(name);
    if (!user) {
        err << "printgate-relay: no user named '" << name << "'\n";
        return std::nullopt;
    }
    return std::move(user.value());
}

}  // namespace

int run_user_add(const relay_args& args, const std::string& name, bool owner, std::istream& in, std::ostream& out,
                 std::ostream& err) {
    auto auth = open_auth(args, err);
    if (!auth) return 1;
    auto password = read_password(in, err);
    auto created = auth->flow.create_account(name, password, owner ? auth::user_role::owner : auth::user_role::user,
                                             {cli_client, {}, {}});
    auth::wipe(password);
    if (!created) {
        err << "printgate-relay: " << created.message() << "\n";
        return created.code() == auth::errc::weak_password || created.code() == auth::errc::malformed ||
                       created.code() == auth::errc::conflict
                   ? 2
                   : 1;
    }
    out << "added " << created->name << " (" << auth::to_string(created->role)
        << "); the authenticator app is set up at the first sign-in\n";
    return 0;
}

int run_user_list(const relay_args& args, bool json, std::ostream& out, std::ostream& err) {
    auto auth = open_auth(args, err);
    if (!auth) return 1;
    auto users = auth->users.list();
    if (!users) {
        err << "printgate-relay: " << users.message() << "\n";
        return 1;
    }
    if (json) {
        auto array = nlohmann::json::array();
        for (const auto& u : users.value())
            array.push_back({{"name", u.name},
                             {"role", auth::to_string(u.role)},
                             {"disabled", u.disabled},
                             {"second_factor", u.has_totp()},
                             {"created_at", format_utc_minute(u.created_at)}});
        out << array.dump(2) << "\n";
        return 0;
    }
    for (const auto& u : users.value())
        out << u.name << "  " << auth::to_string(u.role) << "  " << (u.disabled ? "disabled" : "active") << "  "
            << (u.has_totp() ? "2fa" : "no-2fa-yet") << "  created " << format_utc_minute(u.created_at) << "\n";
    return 0;
}

int run_user_disable(const relay_args& args, const std::string& name, bool enable, std::ostream& out,
                     std::ostream& err) {
    auto auth = open_auth(args, err);
    if (!auth) return 1;
    auto user = find_user(*auth, name, err);
    if (!user) return 1;
    if (auto done = auth->users.set_disabled(user->id, !enable); !done) {
        err << "printgate-relay: " << done.message() << "\n";
        return 1;
    }
    (void)auth->audit.record({enable ? auth::audit_event::user_enabled : auth::audit_event::user_disabled, user->id,
                              user->name, cli_client, {}});
    out << (enable ? "enabled " : "disabled ") << user->name
        << (enable ? "\n" : "; every session of the account has ended\n");
    return 0;
}

int run_user_reset_2fa(const relay_args& args, const std::string& name, std::ostream& out, std::ostream& err) {
    auto auth = open_auth(args, err);
    if (!auth) return 1;
    auto user = find_user(*auth, name, err);
    if (!user) return 1;
    if (auto done = auth->users.clear_second_factor(user->id); !done) {
        err << "printgate-relay: " << done.message() << "\n";
        return 1;
    }
    (void)auth->sessions.revoke_all(user->id);
    (void)auth->audit.record({auth::audit_event::second_factor_reset, user->id, user->name, cli_client, {}});
    out << "reset the second factor of " << user->name
        << ": their sessions ended; they set up an authenticator app again at the next sign-in\n";
    return 0;
}

}  // namespace printgate::relay
