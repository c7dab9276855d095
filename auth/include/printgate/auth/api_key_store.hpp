#pragma once
// Per-device API keys for programs without a browser (a slicer uploading G-code), sent as
// X-Api-Key. A key reads "pgk_<8-char id>.<43-char secret>": the id finds the row, the
// secret (256 random bits) is checked against its stored BLAKE2b hash in constant time.
// Shown once at creation; the database never holds it in clear.
//
// A key that passed is remembered in memory (under a hash of the whole key, never the key;
// at most cache_capacity of them), so that a slicer's or a browser script's requests do
// not each cost a SQL lookup. The memory is trusted only while the database is unchanged:
// every check first reads SQLite's data_version (moves when any other connection, e.g. the
// `apikey revoke` or `user disable` process, commits) and this connection's
// total_changes() (moves when anything in this process writes). Either moved: forget all.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/auth/database.hpp"
#include "printgate/auth/random_source.hpp"
#include "printgate/auth/result.hpp"
#include "printgate/auth/wall_clock.hpp"

namespace printgate::auth {

enum class api_scope : unsigned { read = 1, control = 2, upload = 4 };

class api_scopes {
public:
    api_scopes() = default;
    api_scopes(std::initializer_list<api_scope> scopes);
    static api_scopes from_bits(unsigned bits) { return api_scopes(bits & 7u); }
    // "read", "read,control,upload" ...; nothing for an unknown or empty list.
    static std::optional<api_scopes> parse(std::string_view text);

    bool has(api_scope s) const { return (bits_ & static_cast<unsigned>(s)) != 0; }
    bool empty() const { return bits_ == 0; }
    unsigned bits() const { return bits_; }
    std::string to_string() const;

private:
    explicit api_scopes(unsigned bits) : bits_(bits) {}
    unsigned bits_ = 0;
};

struct api_key_info {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string prefix;  // the public part, shown in lists to tell keys apart
    std::string device;
    api_scopes scopes;
    std::string label;
    std::string user_name;  // filled by verify() and authorize() only
    wall_clock::time_point created_at;
    std::optional<wall_clock::time_point> last_used_at;
    bool revoked = false;
};

struct issued_api_key {
    std::string key;  // shown once
    api_key_info info;
};

struct parsed_api_key {
    std::string prefix;
    std::string secret;
};

class api_key_store {
public:
    static constexpr std::size_t key_length = 56;
    // last_used_at is rewritten at most this often.
    static constexpr std::chrono::seconds last_used_granularity{60};

    // Verified keys remembered at most.
    static constexpr std::size_t cache_capacity = 1024;

    api_key_store(database& db, const wall_clock& clock, random_source& random = system_random_source::instance());
    ~api_key_store();
    api_key_store(const api_key_store&) = delete;
    api_key_store& operator=(const api_key_store&) = delete;

    result<issued_api_key> create(std::int64_t user_id, std::string_view device, api_scopes scopes,
                                  std::string_view label);
    // The key's owner and scopes. errc::malformed for something that is not a key at all,
    // errc::wrong_secret for an unknown, revoked or wrong one, or one whose owner is
    // disabled (the caller answers 401), errc::permission when the key lacks `needed` (403).
    result<api_key_info> authorize(std::string_view presented, api_scope needed);
    result<api_key_info> verify(std::string_view presented);

    result<std::vector<api_key_info>> list(std::int64_t user_id);
    result<void> revoke(std::int64_t user_id, std::int64_t key_id);
    // When a device is unpaired its keys go with it.
    result<std::int64_t> revoke_device(std::string_view device);

    static result<parsed_api_key> parse(std::string_view presented);

    // How many verified keys are remembered now: for tests.
    std::size_t cached() const;

private:
    struct verified_cache;

    database& db_;
    const wall_clock& clock_;
    random_source& random_;
    std::unique_ptr<verified_cache> cache_;
};

}  // namespace printgate::auth
