#pragma once
// The sign-in journey, in the order the rules must apply (OWASP ASVS V2/V3), so that the
// relay's pages (and the edge's LAN listener) only translate results into HTTP:
//   sign_in:        address limit -> account delay (known devices pass) -> Argon2id, or
//                   the same work against a dummy hash for an unknown name -> one answer
//                   for every kind of wrong -> a password_ok session;
//   verify_totp /   address limit -> account delay -> the code (no replay) -> a new, full
//   use_recovery_code: session and a known-device token;
//   begin_/finish_enrollment: first TOTP set-up, confirmed by a first code, with ten
//                   recovery codes shown once;
//   change_password, sign_out.
// Every outcome that matters goes to the audit log, without secrets.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/auth/audit_log.hpp"
#include "printgate/auth/known_devices.hpp"
#include "printgate/auth/login_limiter.hpp"
#include "printgate/auth/password_hasher.hpp"
#include "printgate/auth/password_policy.hpp"
#include "printgate/auth/recovery_codes.hpp"
#include "printgate/auth/result.hpp"
#include "printgate/auth/secret_box_key.hpp"
#include "printgate/auth/session_store.hpp"
#include "printgate/auth/totp.hpp"
#include "printgate/auth/user_store.hpp"

namespace printgate::auth {

struct login_services {
    user_store& users;
    password_hasher& hasher;
    const password_policy& policy;
    login_limiter& limiter;
    session_store& sessions;
    known_devices& devices;
    recovery_codes& recovery;
    audit_log& audit;
    const secret_box_key& key;
    const wall_clock& clock;
    random_source& random;
};

struct login_flow_config {
    std::string issuer = "printgate";  // the name authenticator apps show
    std::string host_name;             // the relay's host: a context word for passwords
    totp_params totp;
};

// Who is asking: from the connection and the request, never from identity headers.
struct client_info {
    std::string_view address;
    std::string_view user_agent;
    std::string_view device_token;  // the __Host-printgate-device cookie, if any
};

enum class login_status {
    second_factor_needed,  // a password_ok session: ask for a TOTP or recovery code
    enrollment_needed,     // a password_ok session: the account has no TOTP yet
    signed_in,             // a full session (and perhaps a new device token)
    rejected,              // wrong name, password or code: one answer whatever was wrong
    refused,               // a new password the policy refused: message says why
    start_over,            // no usable password_ok session: back to the sign-in page
    limited,               // HTTP 429 with retry_after
    busy,                  // HTTP 503: the hashing queue is full
    failed,                // storage, key or crypto failure: HTTP 500
};

struct login_result {
    login_status status = login_status::failed;
    std::string message;  // plain words for the page
    std::optional<issued_session> session;
    std::optional<std::string> device_token;
    std::vector<std::string> recovery_codes;  // after enrolment: shown once
    std::chrono::seconds retry_after{0};
    std::int64_t user_id = 0;
};

struct totp_enrollment {
    std::string otpauth_uri;
    std::string qr_svg;
    std::string secret_text;  // grouped base32, for typing in by hand
};

class login_flow {
public:
    login_flow(login_services services, login_flow_config config = {});

    // A new account, its password checked by the policy first (the first one is the owner).
    result<user_record> create_account(std::string_view name, std::string_view password, user_role role,
                                       const client_info& client);

    login_result sign_in(std::string_view name, std::string_view password, const client_info& client);
    login_result verify_totp(std::string_view session_token, std::string_view code, const client_info& client);
    login_result use_recovery_code(std::string_view session_token, std::string_view code,
                                   const client_info& client);

    result<totp_enrollment> begin_enrollment(std::string_view session_token);
    login_result finish_enrollment(std::string_view session_token, std::string_view code, const client_info& client);

    // Needs a full session and the current password; every session of the account ends and
    // this browser gets a new one.
    login_result change_password(std::string_view session_token, std::string_view current, std::string_view next,
                                 const client_info& client);
    result<void> sign_out(std::string_view session_token, const client_info& client);

    const totp& totp_rules() const { return totp_; }

private:
    struct pending;  // a password_ok session and its user, checked
    std::optional<login_result> load_pending(std::string_view token, pending& out);
    login_result second_factor_done(const pending& p, std::string_view token, bool known, const client_info& client,
                                    std::string_view how);
    login_result second_factor_failed(const pending& p, const client_info& client, std::string_view why,
                                      std::string message);
    bool is_known_device(std::int64_t user_id, const client_info& client);
    void audit(audit_event e, const user_record* user, const client_info& client, std::string_view detail = {});

    login_services s_;
    login_flow_config config_;
    totp totp_;
};

}  // namespace printgate::auth
