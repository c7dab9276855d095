#include "lan_user_command.hpp"

#include "lan_sign_in.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <utility>

namespace printgate::edge {

namespace {

struct user_options {
    std::string action;
    std::string name;
    std::string config_file;
    std::string state_dir;
};

const auth::client_info cli_client{"command line", "printgate-edge user", {}};

// One line from stdin; on a terminal with echo off.
std::string read_secret_line(const char* prompt) {
    const bool tty = ::isatty(STDIN_FILENO) != 0;
    termios saved{};
    if (tty) {
        std::cerr << prompt << std::flush;
        ::tcgetattr(STDIN_FILENO, &saved);
        termios silent = saved;
        silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
    }
    std::string line;
    std::getline(std::cin, line);
    if (tty) {
        ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        std::cerr << "\n";
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

// The first sign-in's TOTP set-up, from the shell: the same login_flow as a browser would go
// through (password, then the app's secret confirmed by a first code). The account cannot
// sign in on the LAN until a code was right.
int enroll(auth::account_service& accounts, const std::string& name, std::string password) {
    auto first = accounts.flow.sign_in(name, password, cli_client);
    auth::wipe(password);
    if (first.status == auth::login_status::second_factor_needed) {
        if (first.session) (void)accounts.flow.sign_out(first.session->token, cli_client);
        std::cerr << "printgate-edge: " << name << " has an authenticator app already\n";
        return 2;
    }
    if (first.status != auth::login_status::enrollment_needed || !first.session) {
        std::cerr << "printgate-edge: " << (first.message.empty() ? "the password was not accepted" : first.message) << "\n";
        return first.status == auth::login_status::rejected ? 2 : 1;
    }
    const auto token = first.session->token;
    auto setup = accounts.flow.begin_enrollment(token);
    if (!setup) {
        std::cerr << "printgate-edge: " << setup.message() << "\n";
        return 1;
    }
    std::cout << "Add this account to an authenticator app (scan or paste the URI, or type the secret):\n"
              << "uri: " << setup->otpauth_uri << "\n"
              << "secret: " << setup->secret_text << std::endl;
    for (int attempt = 0; attempt < 3; ++attempt) {
        std::cout << "code: " << std::flush;
        std::string code;
        if (!std::getline(std::cin, code)) break;
        auto done = accounts.flow.finish_enrollment(token, code, cli_client);
        if (done.status == auth::login_status::signed_in) {
            if (done.session) (void)accounts.flow.sign_out(done.session->token, cli_client);
            std::cout << "confirmed; recovery codes (each works once instead of a code; keep them offline):\n";
            for (const auto& c : done.recovery_codes) std::cout << "  " << c << "\n";
            std::cout << name << " can sign in on the LAN listener at /lan/sign-in" << std::endl;
            return 0;
        }
        std::cerr << "printgate-edge: " << done.message << "\n";
        if (done.status != auth::login_status::rejected) break;
    }
    (void)accounts.flow.sign_out(token, cli_client);
    std::cerr << "printgate-edge: not confirmed; " << name << " cannot sign in until `printgate-edge user totp " << name
              << "` is done\n";
    return 1;
}

// A lost or exposed authenticator app: the old secret and recovery codes are removed, every
// session of the account ends, then a new secret is set up as with `add` (same password).
// The password is checked first, so a wrong one changes nothing.
int reset_second_factor(auth::account_service& accounts, const std::string& name, std::string password) {
    auto check = accounts.flow.sign_in(name, password, cli_client);
    if (check.session) (void)accounts.flow.sign_out(check.session->token, cli_client);
    if (check.status != auth::login_status::second_factor_needed && check.status != auth::login_status::enrollment_needed) {
        auth::wipe(password);
        std::cerr << "printgate-edge: " << (check.message.empty() ? "the password was not accepted" : check.message) << "\n";
        return check.status == auth::login_status::rejected ? 2 : 1;
    }
    auto user = accounts.users.find_by_name(name);
    if (!user) {
        auth::wipe(password);
        std::cerr << "printgate-edge: no user named '" << name << "'\n";
        return 1;
    }
    if (auto done = accounts.users.clear_second_factor(user->id); !done) {
        auth::wipe(password);
        std::cerr << "printgate-edge: " << done.message() << "\n";
        return 1;
    }
    auto ended = accounts.sessions.revoke_all(user->id);
    (void)accounts.audit.record({auth::audit_event::second_factor_reset, user->id, user->name, cli_client.address, {}});
    std::cout << "removed the authenticator app and recovery codes of " << user->name << "; "
              << (ended ? ended.value() : 0) << " session(s) ended" << std::endl;
    return enroll(accounts, user->name, std::move(password));
}

int run_user(const user_options& o) {
    auto config = command_config(o.config_file, true, {}, o.state_dir);
    if (!config) return 2;
    std::string why;
    auto accounts = open_lan_accounts(*config, why);
    if (!accounts) {
        std::cerr << "printgate-edge: " << why << "\n";
        return 1;
    }
    if (o.action == "list") {
        auto users = accounts->users.list();
        if (!users) {
            std::cerr << "printgate-edge: " << users.message() << "\n";
            return 1;
        }
        for (const auto& u : users.value())
            std::cout << u.name << "  " << auth::to_string(u.role) << "  " << (u.disabled ? "disabled" : "active") << "  "
                      << (u.has_totp() ? "2fa" : "no-2fa-yet") << "\n";
        return 0;
    }
    if (o.action == "add") {
        auto count = accounts->users.count();
        if (!count) {
            std::cerr << "printgate-edge: " << count.message() << "\n";
            return 1;
        }
        auto password = read_secret_line("Password for the new account: ");
        auto created = accounts->flow.create_account(
            o.name, password, count.value() == 0 ? auth::user_role::owner : auth::user_role::user, cli_client);
        if (!created) {
            auth::wipe(password);
            std::cerr << "printgate-edge: " << created.message() << "\n";
            return created.code() == auth::errc::storage ? 1 : 2;
        }
        std::cout << "added " << created->name << " (" << auth::to_string(created->role) << ")" << std::endl;
        return enroll(*accounts, created->name, std::move(password));
    }
    if (o.action == "totp") return enroll(*accounts, o.name, read_secret_line("Password: "));
    if (o.action == "reset-2fa") return reset_second_factor(*accounts, o.name, read_secret_line("Password: "));
    // disable / enable
    auto user = accounts->users.find_by_name(o.name);
    if (!user) {
        std::cerr << "printgate-edge: no user named '" << o.name << "'\n";
        return 1;
    }
    const bool disable = o.action == "disable";
    if (auto done = accounts->users.set_disabled(user->id, disable); !done) {
        std::cerr << "printgate-edge: " << done.message() << "\n";
        return 1;
    }
    (void)accounts->audit.record({disable ? auth::audit_event::user_disabled : auth::audit_event::user_enabled, user->id,
                                  user->name, cli_client.address, {}});
    std::cout << (disable ? "disabled " : "enabled ") << user->name << (disable ? "; its sessions have ended\n" : "\n");
    return 0;
}

}  // namespace

command_runner add_user_command(CLI::App& app) {
    auto o = std::make_shared<user_options>();
    app.require_subcommand(1);
    const auto common = [o](CLI::App* sub) {
        sub->add_option("--config", o->config_file, "TOML configuration file (for its state folder)");
        sub->add_option("--state-dir", o->state_dir, "state folder; the accounts are in STATE_DIR/auth.db");
        sub->callback([o, sub] { o->action = sub->get_name(); });
    };
    const std::pair<const char*, const char*> named[] = {
        {"add", "Add an account (password on stdin), then set up its authenticator app"},
        {"totp", "Set up the authenticator app of an account that has none (password on stdin)"},
        {"disable", "Disable an account and end its sessions"},
        {"enable", "Enable a disabled account"},
        {"reset-2fa", "Replace an account's authenticator app and recovery codes and end its sessions (password on stdin)"},
    };
    for (const auto& [name, what] : named) {
        auto* sub = app.add_subcommand(name, what);
        sub->add_option("name", o->name, "the account's name")->required();
        common(sub);
    }
    common(app.add_subcommand("list", "List the accounts"));
    return [o] { return run_user(*o); };
}

}  // namespace printgate::edge
