#include "printgate/auth/account_service.hpp"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace printgate::auth {

namespace fs = std::filesystem;

result<account_service::opened_files> account_service::open_files(const fs::path& state_dir, random_source& random) {
    std::error_code ec;
    fs::create_directories(state_dir, ec);
    auto db = database::open(state_dir / database_file);
    if (!db) return db.err();
    auto key = secret_box_key::load_or_create(state_dir / key_file, random);
    if (!key) return key.err();
    return opened_files{std::move(db.value()), std::move(key.value())};
}

result<std::unique_ptr<account_service>> account_service::open(const fs::path& state_dir, account_settings settings,
                                                               account_sources sources) {
    auto files = open_files(state_dir, sources.random);
    if (!files) return files.err();
    return std::unique_ptr<account_service>(new account_service(std::move(files.value()), std::move(settings), sources));
}

account_service::account_service(opened_files files, account_settings settings, account_sources sources)
    : db(std::move(files.db)), key(std::move(files.key)), users(*db, sources.wall),
      sessions(*db, sources.wall, sources.random, settings.sessions), devices(*db, sources.wall, sources.random),
      recovery(*db, key, sources.wall, sources.random), audit(*db, sources.wall),
      api_keys(*db, sources.wall, sources.random), hasher(settings.argon2, settings.hashing, sources.random),
      policy(), limiter(sources.steady, settings.limits),
      flow({users, hasher, policy, limiter, sessions, devices, recovery, audit, key, sources.wall, sources.random},
           {"printgate", settings.zone, {}}),
      settings_(std::move(settings)), sources_(sources),
      csrf_key_(key.derive(2, "csrftokn")),
      // Every hash job either runs (max_running) or waits in hash_slots (max_waiting);
      // two more threads keep the cheap answers (rate limited, busy) flowing meanwhile.
      pool_(settings_.hashing.max_running + settings_.hashing.max_waiting + 2) {}

account_service::~account_service() {
    pool_.stop();
    pool_.join();
}

std::optional<signed_in_user> account_service::full_session(std::string_view token, bool activity) {
    if (token.empty()) return std::nullopt;
    auto session = activity ? sessions.touch(token) : sessions.find(token);
    if (!session || session->state != session_state::full) return std::nullopt;
    auto user = users.find_by_id(session->user_id);
    if (!user || user->disabled) return std::nullopt;
    return signed_in_user{user->id, user->name, user->role, std::move(session.value())};
}

std::optional<account_service::unknown_sign_in> account_service::admit_unknown_sign_in() {
    // As many as hash at once: a new browser waits for at most one round of hashing, and a
    // flood of them leaves the queue to the known devices (measured by bench login).
    const std::size_t share = std::max<std::size_t>(settings_.hashing.max_running, 1);
    if (unknown_sign_ins_.fetch_add(1) >= share) {
        --unknown_sign_ins_;
        return std::nullopt;
    }
    return unknown_sign_in(&unknown_sign_ins_);
}

bool account_service::is_known_device(std::string_view name, std::string_view device_token) {
    if (device_token.empty() || name.size() > user_store::max_name_bytes) return false;
    auto user = users.find_by_name(name);
    if (!user) return false;
    auto known = devices.is_known(user->id, device_token);
    return known.ok() && known.value();
}

std::optional<std::string> account_service::open_setup() {
    auto count = users.count();
    if (!count || count.value() != 0) return std::nullopt;
    std::lock_guard lock(setup_mutex_);
    setup_token_ = random_hex_token(sources_.random);
    return setup_token_;
}

bool account_service::setup_token_matches(std::string_view token) const {
    std::lock_guard lock(setup_mutex_);
    if (setup_token_.empty()) return false;
    return constant_time_equal(setup_token_, token);
}

void account_service::close_setup() {
    std::lock_guard lock(setup_mutex_);
    wipe(setup_token_);
    setup_token_.clear();
}

std::string account_service::csrf_token(std::string_view session_token) const {
    unsigned char mac[32];
    std::size_t len = 0;
    if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, csrf_key_.data(), csrf_key_.size(),
                  reinterpret_cast<const unsigned char*>(session_token.data()), session_token.size(), mac,
                  sizeof mac, &len) == nullptr)
        return {};
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < len; ++i) {
        out.push_back(hex[mac[i] >> 4]);
        out.push_back(hex[mac[i] & 15]);
    }
    return out;
}

bool account_service::csrf_matches(std::string_view session_token, std::string_view presented) const {
    const auto expected = csrf_token(session_token);
    return !expected.empty() && constant_time_equal(expected, presented);
}

}  // namespace printgate::auth
