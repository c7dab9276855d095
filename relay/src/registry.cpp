#include "printgate/relay/registry.hpp"

#include <openssl/crypto.h>

#include "sqlite.hpp"

namespace printgate::relay {
namespace {

using detail::statement;

std::int64_t seconds(wall_time t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
wall_time from_seconds(std::int64_t s) { return wall_time{std::chrono::seconds(s)}; }

constexpr std::string_view schema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', 1), ('revocation_generation', 0);
CREATE TABLE IF NOT EXISTS devices(
  id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS devices_live_name ON devices(name) WHERE revoked_at IS NULL;
CREATE TABLE IF NOT EXISTS certificates(
  serial TEXT PRIMARY KEY, device_id TEXT NOT NULL REFERENCES devices(id),
  issued_at INTEGER NOT NULL, not_after INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS certificates_device ON certificates(device_id);
CREATE TABLE IF NOT EXISTS pairing_codes(
  id TEXT PRIMARY KEY, name TEXT NOT NULL, secret_hash TEXT NOT NULL, created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, used_at INTEGER);
CREATE TABLE IF NOT EXISTS revocations(device_id TEXT PRIMARY KEY REFERENCES devices(id), revoked_at INTEGER NOT NULL);
)sql";

constexpr std::string_view device_columns =
    "SELECT d.id, d.name, d.created_at, d.revoked_at, "
    "(SELECT MAX(not_after) FROM certificates c WHERE c.device_id = d.id) FROM devices d ";

device_record read_device(const statement& s) {
    device_record d;
    d.id = s.text(0);
    d.name = s.text(1);
    d.created_at = from_seconds(s.integer(2));
    if (!s.is_null(3)) d.revoked_at = from_seconds(s.integer(3));
    if (!s.is_null(4)) d.certificate_expires = from_seconds(s.integer(4));
    return d;
}

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed.
class transaction {
public:
    explicit transaction(detail::connection& db) : db_(db), open_(db.exec("BEGIN IMMEDIATE")) {}
    ~transaction() {
        if (open_) db_.exec("ROLLBACK");
    }
    bool ok() const { return open_; }
    bool commit() {
        open_ = false;
        return db_.exec("COMMIT");
    }

private:
    detail::connection& db_;
    bool open_;
};

}  // namespace

bool valid_device_name(std::string_view name) {
    if (name.empty() || name.size() > 63 || name.front() == '-' || name.back() == '-') return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

registry::registry(std::unique_ptr<detail::connection> db) : db_(std::move(db)) {}
registry::~registry() = default;

identity_result<std::unique_ptr<registry>> registry::open(const std::filesystem::path& file) {
    std::string error;
    auto db = detail::connection::open(file.string(), error);
    if (!db) return identity_error{error};
    if (!db->exec(schema)) return identity_error{"cannot create the registry schema: " + db->error()};
    statement version(db->get(), "SELECT value FROM meta WHERE key = 'schema_version'");
    if (version.step() != SQLITE_ROW || version.integer(0) != 1)
        return identity_error{"the registry " + file.string() + " was written by another printgate version"};
    return std::unique_ptr<registry>(new registry(std::make_unique<detail::connection>(std::move(*db))));
}

identity_result<new_pairing_code> registry::create_pairing_code(std::string_view name, wall_time now) {
    if (!valid_device_name(name))
        return identity_error{"invalid device name '" + std::string(name) +
                              "': use 1-63 lower-case letters, digits and '-'"};
    std::lock_guard lock(mutex_);
    transaction tx(*db_);
    if (!tx.ok()) return identity_error{"registry busy: " + db_->error()};
    statement taken(db_->get(), "SELECT 1 FROM devices WHERE name = ? AND revoked_at IS NULL");
    if (taken.bind(1, name).step() == SQLITE_ROW)
        return identity_error{"a device called '" + std::string(name) + "' exists; revoke it first"};
    new_pairing_code code{tunnel::random_hex(8), tunnel::random_hex(16), now + pairing_code_lifetime};
    statement drop(db_->get(), "DELETE FROM pairing_codes WHERE name = ? AND used_at IS NULL");
    statement insert(db_->get(),
                     "INSERT INTO pairing_codes(id, name, secret_hash, created_at, expires_at) VALUES (?,?,?,?,?)");
    insert.bind(1, code.id).bind(2, name).bind(3, tunnel::sha256_hex(code.secret));
    insert.bind(4, seconds(now)).bind(5, seconds(code.expires_at));
    if (drop.bind(1, name).step() != SQLITE_DONE || insert.step() != SQLITE_DONE || !tx.commit())
        return identity_error{"cannot store the pairing code: " + db_->error()};
    return code;
}

std::variant<registry::paired, pairing_failure> registry::redeem_pairing_code(std::string_view code_id,
                                                                              std::string_view secret, wall_time now,
                                                                              const signer& sign) {
    std::lock_guard lock(mutex_);
    auto storage_failure = [this] { return pairing_failure{pairing_refusal::storage, "registry: " + db_->error()}; };
    transaction tx(*db_);
    if (!tx.ok()) return storage_failure();
    statement find(db_->get(),
                   "SELECT name, secret_hash, expires_at, attempts, used_at FROM pairing_codes WHERE id = ?");
    if (find.bind(1, code_id).step() != SQLITE_ROW)
        return pairing_failure{pairing_refusal::unknown_code, "unknown pairing code (ask for a new one)"};
    std::string name = find.text(0);
    std::string hash = find.text(1);
    auto expires = from_seconds(find.integer(2));
    auto attempts = find.integer(3);
    bool used = !find.is_null(4);
    find.reset();
    if (used) return pairing_failure{pairing_refusal::used, "this pairing code was already used"};
    if (now >= expires) return pairing_failure{pairing_refusal::expired, "this pairing code has expired"};
    if (attempts >= pairing_code_attempts)
        return pairing_failure{pairing_refusal::exhausted, "too many wrong attempts with this pairing code"};
    std::string offered = tunnel::sha256_hex(secret);
    if (offered.size() != hash.size() || CRYPTO_memcmp(offered.data(), hash.data(), hash.size()) != 0) {
        statement count(db_->get(), "UPDATE pairing_codes SET attempts = attempts + 1 WHERE id = ?");
        if (count.bind(1, code_id).step() != SQLITE_DONE || !tx.commit()) return storage_failure();
        return pairing_failure{pairing_refusal::wrong_secret, "wrong pairing code"};
    }
    statement taken(db_->get(), "SELECT 1 FROM devices WHERE name = ? AND revoked_at IS NULL");
    bool name_taken = taken.bind(1, name).step() == SQLITE_ROW;
    taken.reset();
    if (name_taken)
        return pairing_failure{pairing_refusal::name_taken, "a device called '" + name + "' is already paired"};

    device_record device{"d" + tunnel::random_hex(12), name, now, std::nullopt, std::nullopt};
    auto cert = sign(device.id);
    if (!cert) return pairing_failure{pairing_refusal::signing, "cannot issue the certificate: " + cert.message()};
    device.certificate_expires = cert->not_after;
    statement add(db_->get(), "INSERT INTO devices(id, name, created_at) VALUES (?,?,?)");
    statement add_cert(db_->get(), "INSERT INTO certificates(serial, device_id, issued_at, not_after) VALUES (?,?,?,?)");
    statement spend(db_->get(), "UPDATE pairing_codes SET used_at = ? WHERE id = ?");
    add.bind(1, device.id).bind(2, name).bind(3, seconds(now));
    add_cert.bind(1, cert->serial).bind(2, device.id).bind(3, seconds(now)).bind(4, seconds(cert->not_after));
    spend.bind(1, seconds(now)).bind(2, code_id);
    if (add.step() != SQLITE_DONE || add_cert.step() != SQLITE_DONE || spend.step() != SQLITE_DONE || !tx.commit())
        return storage_failure();
    return paired{std::move(device), std::move(*cert)};
}

identity_result<void> registry::record_certificate(std::string_view device_id, std::string_view serial,
                                                   wall_time not_after, wall_time now) {
    std::lock_guard lock(mutex_);
    statement add(db_->get(),
                  "INSERT INTO certificates(serial, device_id, issued_at, not_after) "
                  "SELECT ?, id, ?, ? FROM devices WHERE id = ? AND revoked_at IS NULL");
    add.bind(1, serial).bind(2, seconds(now)).bind(3, seconds(not_after)).bind(4, device_id);
    if (add.step() != SQLITE_DONE) return identity_error{"cannot record the certificate: " + db_->error()};
    if (sqlite3_changes(db_->get()) != 1) return identity_error{"no such live device"};
    return {};
}

bool registry::admits(std::string_view device_id, std::string_view serial, wall_time now) {
    std::lock_guard lock(mutex_);
    statement q(db_->get(),
                "SELECT 1 FROM certificates c JOIN devices d ON d.id = c.device_id "
                "WHERE c.serial = ? AND c.device_id = ? AND d.revoked_at IS NULL AND c.not_after > ?");
    return q.bind(1, serial).bind(2, device_id).bind(3, seconds(now)).step() == SQLITE_ROW;
}

std::vector<device_record> registry::devices(bool include_revoked) {
    std::lock_guard lock(mutex_);
    std::string sql(device_columns);
    if (!include_revoked) sql += "WHERE d.revoked_at IS NULL ";
    sql += "ORDER BY d.name, d.created_at";
    statement q(db_->get(), sql);
    std::vector<device_record> out;
    while (q.step() == SQLITE_ROW) out.push_back(read_device(q));
    return out;
}

std::optional<device_record> registry::find_by_name(std::string_view name) {
    std::lock_guard lock(mutex_);
    statement q(db_->get(), std::string(device_columns) + "WHERE d.name = ? AND d.revoked_at IS NULL");
    if (q.bind(1, name).step() != SQLITE_ROW) return std::nullopt;
    return read_device(q);
}

std::optional<device_record> registry::find_by_id(std::string_view id) {
    std::lock_guard lock(mutex_);
    statement q(db_->get(), std::string(device_columns) + "WHERE d.id = ?");
    if (q.bind(1, id).step() != SQLITE_ROW) return std::nullopt;
    return read_device(q);
}

identity_result<device_record> registry::revoke(std::string_view name, wall_time now) {
    auto device = find_by_name(name);
    if (!device) return identity_error{"no device called '" + std::string(name) + "'"};
    std::lock_guard lock(mutex_);
    transaction tx(*db_);
    statement mark(db_->get(), "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
    statement note(db_->get(), "INSERT OR REPLACE INTO revocations(device_id, revoked_at) VALUES (?,?)");
    statement bump(db_->get(), "UPDATE meta SET value = value + 1 WHERE key = 'revocation_generation'");
    mark.bind(1, seconds(now)).bind(2, device->id);
    note.bind(1, device->id).bind(2, seconds(now));
    if (!tx.ok() || mark.step() != SQLITE_DONE || note.step() != SQLITE_DONE || bump.step() != SQLITE_DONE ||
        !tx.commit())
        return identity_error{"cannot revoke: " + db_->error()};
    device->revoked_at = now;
    return *device;
}

std::int64_t registry::revocation_generation() {
    std::lock_guard lock(mutex_);
    statement q(db_->get(), "SELECT value FROM meta WHERE key = 'revocation_generation'");
    return q.step() == SQLITE_ROW ? q.integer(0) : -1;
}

}  // namespace printgate::relay
