#include "schema.hpp"

namespace printgate::auth::detail {
namespace {

// Instants are microseconds since the Unix epoch. Secrets never appear here in clear:
// session ids, device tokens, API keys and recovery codes are stored as hashes, TOTP
// secrets sealed with the key file's key, passwords as Argon2id PHC strings.
constexpr std::string_view v1 = R"sql(
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_phc        TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('owner', 'user')),
    disabled            INTEGER NOT NULL DEFAULT 0,
    totp_secret         BLOB,
    last_totp_step      INTEGER,
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);
CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX recovery_codes_by_user ON recovery_codes(user_id);
CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY,
    token_hash     BLOB NOT NULL UNIQUE,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    state          TEXT NOT NULL CHECK (state IN ('password_ok', 'full')),
    created_at     INTEGER NOT NULL,
    state_at       INTEGER NOT NULL,
    last_seen_at   INTEGER NOT NULL,
    client_address TEXT NOT NULL DEFAULT '',
    user_agent     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE TABLE known_devices (
    id           INTEGER PRIMARY KEY,
    token_hash   BLOB NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label        TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
);
CREATE INDEX known_devices_by_user ON known_devices(user_id);
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    prefix       TEXT NOT NULL UNIQUE,
    secret_hash  BLOB NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device       TEXT NOT NULL,
    scopes       INTEGER NOT NULL,
    label        TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);
-- No foreign key to users: the record of what happened outlives the account.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    event          TEXT NOT NULL,
    user_id        INTEGER,
    user_name      TEXT NOT NULL DEFAULT '',
    client_address TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_user ON audit_log(user_id, id);
)sql";

// A TOTP secret that was shown for enrolment but not yet confirmed with a first code: it
// must survive between the enrolment page and the form that confirms it, and must not
// count as the account's second factor until then.
constexpr std::string_view v2 = R"sql(
ALTER TABLE users ADD COLUMN totp_pending BLOB;
)sql";

constexpr std::string_view all[] = {v1, v2};

}  // namespace

std::span<const std::string_view> migrations() { return all; }

}  // namespace printgate::auth::detail
