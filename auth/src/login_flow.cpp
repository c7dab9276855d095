#include "printgate/auth/login_flow.hpp"

#include "printgate/auth/totp_enrollment.hpp"

namespace printgate::auth {
namespace {

// One message for an unknown name, a wrong password and a disabled account: the page must
// not tell an attacker which it was.
constexpr const char* wrong_credentials = "The user name or password is not correct.";
constexpr const char* server_failure = "Something went wrong on the server; please try again.";

login_result make(login_status status, std::string message) {
    login_result r;
    r.status = status;
    r.message = std::move(message);
    return r;
}

login_result limited(const limit_decision& d, std::string_view what) {
    login_result r = make(login_status::limited, std::string(what) + " Try again in " +
                                                     std::to_string(d.retry_after.count()) + " seconds.");
    r.retry_after = d.retry_after;
    return r;
}

login_result start_over() {
    return make(login_status::start_over, "Your sign-in expired or was interrupted; please sign in again.");
}

}  // namespace

struct login_flow::pending {
    session_info session;
    user_record user;
};

login_flow::login_flow(login_services services, login_flow_config config)
    : s_(services), config_(std::move(config)), totp_(config_.totp) {}

void login_flow::audit(audit_event e, const user_record* user, const client_info& client, std::string_view detail) {
    // A failed audit write must not turn a sign-in into an error page; the store reports
    // storage trouble on its own next call anyway.
    (void)s_.audit.record({e, user ? std::optional(user->id) : std::nullopt, user ? std::string_view(user->name) : "",
                           client.address, detail});
}

bool login_flow::is_known_device(std::int64_t user_id, const client_info& client) {
    if (client.device_token.empty()) return false;
    auto known = s_.devices.is_known(user_id, client.device_token);
    return known.ok() && known.value();
}

result<user_record> login_flow::create_account(std::string_view name, std::string_view password, user_role role,
                                               const client_info& client) {
    if (auto why = user_store::check_name(name)) return error{errc::malformed, *why};
    auto verdict = s_.policy.check(password, {name, config_.host_name});
    if (!verdict.ok()) return error{errc::weak_password, verdict.message};
    auto phc = s_.hasher.hash(password);
    if (!phc) return phc.err();
    auto user = s_.users.create(name, phc.value(), role);
    if (!user) return user;
    audit(audit_event::user_created, &user.value(), client, to_string(role));
    return user;
}

login_result login_flow::sign_in(std::string_view name, std::string_view password, const client_info& client) {
    // 1. Per address, before anything costs work.
    auto by_address = s_.limiter.allow_address(limit_kind::sign_in, client.address);
    if (!by_address.allowed) return limited(by_address, "Too many sign-in attempts from your network.");

    // 2. Per account. Unknown names go through the same steps as real ones.
    std::optional<user_record> user;
    if (name.size() <= user_store::max_name_bytes) {
        auto found = s_.users.find_by_name(name);
        if (found) user = std::move(found.value());
        else if (found.code() != errc::not_found) return make(login_status::failed, server_failure);
    }
    const bool known = user && is_known_device(user->id, client);
    const std::string_view account = user ? std::string_view(user->name) : name;
    auto by_account = s_.limiter.allow_account(account, known);
    if (!by_account.allowed) return limited(by_account, "Too many failed attempts for this account.");

    // 3. The password: real Argon2 work whether or not the name exists.
    auto match = user ? s_.hasher.verify(user->password_phc, password) : s_.hasher.verify_dummy(password);
    if (!match) {
        if (match.code() == errc::busy) {
            login_result r = make(login_status::busy, match.message());
            r.retry_after = std::chrono::seconds(1);
            return r;
        }
        return make(login_status::failed, server_failure);  // a damaged stored hash
    }
    if (match.value() != password_match::yes || user->disabled) {
        s_.limiter.record_failure(account);
        const char* why = "wrong password";
        if (!user) why = "unknown user name";
        else if (match.value() == password_match::yes) why = "account disabled";
        audit(audit_event::sign_in_failure, user ? &*user : nullptr, client, why);
        return make(login_status::rejected, wrong_credentials);
    }

    // 4. Parameters changed since this hash was made: store a new one (best effort; a busy
    // queue just means it happens at the next sign-in).
    if (s_.hasher.needs_rehash(user->password_phc)) {
        if (auto fresh = s_.hasher.hash(password)) (void)s_.users.rehash_password(user->id, fresh.value());
    }

    // 5. Half signed in: the second factor is still due.
    auto session = s_.sessions.create(user->id, session_state::password_ok, client.address, client.user_agent);
    if (!session) return make(login_status::failed, server_failure);
    login_result r;
    r.user_id = user->id;
    r.session = std::move(session.value());
    if (user->has_totp()) {
        r.status = login_status::second_factor_needed;
        r.message = "Enter the code from your authenticator app.";
    } else {
        r.status = login_status::enrollment_needed;
        r.message = "Set up an authenticator app to finish signing in.";
    }
    return r;
}

std::optional<login_result> login_flow::load_pending(std::string_view token, pending& out) {
    auto session = s_.sessions.find(token);
    if (!session) {
        if (session.code() == errc::storage) return make(login_status::failed, server_failure);
        return start_over();
    }
    if (session->state != session_state::password_ok) return start_over();
    auto user = s_.users.find_by_id(session->user_id);
    if (!user || user->disabled) {
        (void)s_.sessions.revoke(token);
        return start_over();
    }
    out.session = std::move(session.value());
    out.user = std::move(user.value());
    return std::nullopt;
}

login_result login_flow::second_factor_failed(const pending& p, const client_info& client, std::string_view why,
                                              std::string message) {
    s_.limiter.record_failure(p.user.name);
    audit(audit_event::second_factor_failure, &p.user, client, why);
    login_result r = make(login_status::rejected, std::move(message));
    r.user_id = p.user.id;
    return r;
}

login_result login_flow::second_factor_done(const pending& p, std::string_view token, bool known,
                                            const client_info& client, std::string_view how) {
    // A new id for the full session: whoever saw the half-signed-in one gains nothing.
    auto full = s_.sessions.rotate(token, session_state::full);
    if (!full) return full.code() == errc::storage ? make(login_status::failed, server_failure) : start_over();
    s_.limiter.record_success(p.user.name);
    login_result r = make(login_status::signed_in, "Signed in.");
    r.user_id = p.user.id;
    r.session = std::move(full.value());
    if (!known) {
        if (auto device = s_.devices.remember(p.user.id, client.user_agent)) r.device_token = std::move(device->token);
    }
    audit(audit_event::sign_in_success, &p.user, client, how);
    return r;
}

login_result login_flow::verify_totp(std::string_view token, std::string_view code, const client_info& client) {
    auto by_address = s_.limiter.allow_address(limit_kind::second_factor, client.address);
    if (!by_address.allowed) return limited(by_address, "Too many attempts from your network.");
    pending p;
    if (auto stop = load_pending(token, p)) return *stop;
    if (!p.user.has_totp()) return start_over();
    const bool known = is_known_device(p.user.id, client);
    auto by_account = s_.limiter.allow_account(p.user.name, known);
    if (!by_account.allowed) return limited(by_account, "Too many failed attempts for this account.");

    auto secret = s_.key.open(*p.user.totp_secret_sealed);
    if (!secret) return make(login_status::failed, server_failure);  // another key file?
    auto step = totp_.verify(secret->span(), code, s_.clock.now(), p.user.last_totp_step);
    if (!step) {
        if (step.code() == errc::malformed || step.code() == errc::too_large)
            return make(login_status::rejected, "Enter the " + std::to_string(totp_.params().digits) +
                                                    "-digit code from your authenticator app.");
        if (step.code() == errc::replayed) return second_factor_failed(p, client, "code replayed", step.message());
        return second_factor_failed(p, client, "wrong code", "The code is not correct.");
    }
    // Stored with a conditional update: of two requests racing with one code, one wins.
    auto accepted = s_.users.accept_totp_step(p.user.id, step.value());
    if (!accepted) {
        if (accepted.code() == errc::replayed)
            return second_factor_failed(p, client, "code replayed", accepted.message());
        return make(login_status::failed, server_failure);
    }
    return second_factor_done(p, token, known, client, "totp");
}

login_result login_flow::use_recovery_code(std::string_view token, std::string_view code, const client_info& client) {
    auto by_address = s_.limiter.allow_address(limit_kind::second_factor, client.address);
    if (!by_address.allowed) return limited(by_address, "Too many attempts from your network.");
    pending p;
    if (auto stop = load_pending(token, p)) return *stop;
    const bool known = is_known_device(p.user.id, client);
    auto by_account = s_.limiter.allow_account(p.user.name, known);
    if (!by_account.allowed) return limited(by_account, "Too many failed attempts for this account.");

    auto used = s_.recovery.consume(p.user.id, code);
    if (!used) {
        if (used.code() == errc::malformed || used.code() == errc::too_large)
            return make(login_status::rejected, "A recovery code has 10 letters and digits, like ABCDE-FGH23.");
        if (used.code() == errc::wrong_secret)
            return second_factor_failed(p, client, "wrong recovery code",
                                        "That recovery code is not valid or was already used.");
        return make(login_status::failed, server_failure);
    }
    auto left = s_.recovery.remaining(p.user.id);
    const std::string detail = left ? std::to_string(left.value()) + " left" : std::string{};
    audit(audit_event::recovery_code_used, &p.user, client, detail);
    return second_factor_done(p, token, known, client, "recovery code");
}

result<totp_enrollment> login_flow::begin_enrollment(std::string_view token) {
    pending p;
    if (auto stop = load_pending(token, p)) return error{errc::expired, stop->message};
    if (p.user.has_totp()) return error{errc::conflict, "this account already has an authenticator app"};
    auto secret = totp::generate_secret(s_.random);
    auto stored = s_.users.set_pending_totp(p.user.id, s_.key.seal(secret.span(), s_.random));
    if (!stored) return stored.err();
    totp_enrollment e;
    e.otpauth_uri = otpauth_uri(config_.issuer, p.user.name, secret.span(), config_.totp);
    auto svg = qr_svg(e.otpauth_uri);
    if (!svg) return svg.err();
    e.qr_svg = std::move(svg.value());
    e.secret_text = grouped_secret(secret.span());
    return e;
}

login_result login_flow::finish_enrollment(std::string_view token, std::string_view code, const client_info& client) {
    auto by_address = s_.limiter.allow_address(limit_kind::second_factor, client.address);
    if (!by_address.allowed) return limited(by_address, "Too many attempts from your network.");
    pending p;
    if (auto stop = load_pending(token, p)) return *stop;
    if (p.user.has_totp() || !p.user.totp_pending_sealed) return start_over();
    auto secret = s_.key.open(*p.user.totp_pending_sealed);
    if (!secret) return make(login_status::failed, server_failure);
    auto step = totp_.verify(secret->span(), code, s_.clock.now(), std::nullopt);
    if (!step)
        return make(login_status::rejected,
                    "That code does not match. Check that the app shows a code for this account and try the next one.");
    if (!s_.users.confirm_pending_totp(p.user.id, step.value())) return make(login_status::failed, server_failure);
    audit(audit_event::totp_enrolled, &p.user, client);
    auto codes = s_.recovery.regenerate(p.user.id);
    if (!codes) return make(login_status::failed, server_failure);
    audit(audit_event::recovery_codes_created, &p.user, client, std::to_string(codes->size()) + " codes");
    login_result r = second_factor_done(p, token, is_known_device(p.user.id, client), client, "totp enrolled");
    if (r.status == login_status::signed_in) r.recovery_codes = std::move(codes.value());
    return r;
}

login_result login_flow::change_password(std::string_view token, std::string_view current, std::string_view next,
                                         const client_info& client) {
    auto by_address = s_.limiter.allow_address(limit_kind::sign_in, client.address);
    if (!by_address.allowed) return limited(by_address, "Too many attempts from your network.");
    auto session = s_.sessions.touch(token);
    if (!session || session->state != session_state::full) return start_over();
    auto user = s_.users.find_by_id(session->user_id);
    if (!user) return start_over();
    auto by_account = s_.limiter.allow_account(user->name, false);
    if (!by_account.allowed) return limited(by_account, "Too many failed attempts for this account.");

    auto match = s_.hasher.verify(user->password_phc, current);
    if (!match) return make(match.code() == errc::busy ? login_status::busy : login_status::failed, match.message());
    if (match.value() != password_match::yes) {
        s_.limiter.record_failure(user->name);
        audit(audit_event::sign_in_failure, &user.value(), client, "wrong current password");
        return make(login_status::rejected, "The current password is not correct.");
    }
    auto verdict = s_.policy.check(next, {user->name, config_.host_name});
    if (!verdict.ok()) return make(login_status::refused, verdict.message);
    auto phc = s_.hasher.hash(next);
    if (!phc) return make(phc.code() == errc::busy ? login_status::busy : login_status::failed, phc.message());
    auto revoked = s_.users.set_password(user->id, phc.value());
    if (!revoked) return make(login_status::failed, server_failure);
    audit(audit_event::password_changed, &user.value(), client,
          std::to_string(revoked.value()) + " sessions signed out");
    // Every session ended, this one too; the person who just proved the password keeps going.
    auto fresh = s_.sessions.create(user->id, session_state::full, client.address, client.user_agent);
    if (!fresh) return make(login_status::failed, server_failure);
    login_result r = make(login_status::signed_in, "Password changed. Every other session was signed out.");
    r.user_id = user->id;
    r.session = std::move(fresh.value());
    return r;
}

result<void> login_flow::sign_out(std::string_view token, const client_info& client) {
    auto session = s_.sessions.find(token);
    if (!session) return session.err();
    auto revoked = s_.sessions.revoke(token);
    if (!revoked) return revoked;
    auto user = s_.users.find_by_id(session->user_id);
    audit(audit_event::signed_out, user ? &user.value() : nullptr, client);
    return {};
}

}  // namespace printgate::auth
