#include "printgate/auth/api_key_store.hpp"

#include <sodium.h>

#include <array>

#include "base64.hpp"
#include "lru_map.hpp"
#include "printgate/auth/base32.hpp"
#include "printgate/auth/secret_bytes.hpp"
#include "printgate/auth/utf8.hpp"
#include "store_call.hpp"

namespace printgate::auth {
namespace {

constexpr std::string_view key_tag = "pgk_";
constexpr std::size_t prefix_chars = 8;
constexpr std::size_t secret_chars = 43;
static_assert(api_key_store::key_length == key_tag.size() + prefix_chars + 1 + secret_chars);

using secret_hash = std::array<std::uint8_t, 32>;

secret_hash hash_secret(std::string_view secret) {
    secret_hash h{};
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                       nullptr, 0);
    return h;
}

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

constexpr const char* key_columns =
    "id, user_id, prefix, device, scopes, label, created_at, last_used_at, revoked_at";

api_key_info read_key(const detail::statement& st) {
    api_key_info k;
    k.id = st.int64(0);
    k.user_id = st.int64(1);
    k.prefix = st.text(2);
    k.device = st.text(3);
    k.scopes = api_scopes::from_bits(static_cast<unsigned>(st.int64(4)));
    k.label = st.text(5);
    k.created_at = from_unix_micros(st.int64(6));
    if (auto t = st.optional_int64(7)) k.last_used_at = from_unix_micros(*t);
    k.revoked = !st.is_null(8);
    return k;
}

error rejected() { return error{errc::wrong_secret, "API key not valid"}; }

// The cache's name for a presented key: its BLAKE2b hash, so the key itself is never kept.
std::string cache_name(std::string_view presented) {
    std::string h(32, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(h.data()), h.size(),
                       reinterpret_cast<const unsigned char*>(presented.data()), presented.size(), nullptr, 0);
    return h;
}

// What the database looked like: data_version moves when another connection commits,
// total_changes() when this one changes a row. The statement is a plain PRAGMA kept
// prepared (the pragma_data_version table function would parse SQL on every run), and is
// run to its end so that it never holds a read transaction open.
struct database_generation {
    std::int64_t data_version = -1;
    std::int64_t own_changes = -1;
    bool operator==(const database_generation&) const = default;
};

database_generation read_generation(detail::sqlite_db& sql, detail::statement& data_version) {
    data_version.reset();
    database_generation g;
    if (data_version.step()) g.data_version = data_version.int64(0);
    while (data_version.step()) {
    }
    g.own_changes = sql.total_changes();
    return g;
}

constexpr std::string_view generation_sql = "PRAGMA data_version";

}  // namespace

struct api_key_store::verified_cache {
    database_generation generation;
    detail::lru_map<api_key_info> keys{cache_capacity};
    std::unique_ptr<detail::statement> generation_query;  // asked on every verify: parsed once
};

api_scopes::api_scopes(std::initializer_list<api_scope> scopes) {
    for (auto s : scopes) bits_ |= static_cast<unsigned>(s);
}

std::optional<api_scopes> api_scopes::parse(std::string_view text) {
    if (text.size() > 64) return std::nullopt;
    unsigned bits = 0;
    std::size_t start = 0;
    for (;;) {
        auto comma = text.find(',', start);
        auto word = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (word == "read") bits |= 1;
        else if (word == "control") bits |= 2;
        else if (word == "upload") bits |= 4;
        else return std::nullopt;  // unknown or empty ("read,,upload", "read,")
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return api_scopes(bits);
}

std::string api_scopes::to_string() const {
    std::string out;
    auto add = [&](api_scope s, const char* name) {
        if (!has(s)) return;
        if (!out.empty()) out += ",";
        out += name;
    };
    add(api_scope::read, "read");
    add(api_scope::control, "control");
    add(api_scope::upload, "upload");
    return out;
}

api_key_store::api_key_store(database& db, const wall_clock& clock, random_source& random)
    : db_(db), clock_(clock), random_(random), cache_(std::make_unique<verified_cache>()) {}

api_key_store::~api_key_store() = default;

std::size_t api_key_store::cached() const { return cache_->keys.size(); }

result<parsed_api_key> api_key_store::parse(std::string_view presented) {
    if (presented.size() != key_length) return error{errc::malformed, "not an API key"};
    if (presented.substr(0, key_tag.size()) != key_tag || presented[key_tag.size() + prefix_chars] != '.')
        return error{errc::malformed, "not an API key"};
    std::string_view prefix = presented.substr(key_tag.size(), prefix_chars);
    std::string_view secret = presented.substr(key_tag.size() + prefix_chars + 1);
    for (char c : prefix)
        if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) return error{errc::malformed, "not an API key"};
    auto raw = detail::base64url_decode(secret);
    if (!raw || raw->size() != 32) return error{errc::malformed, "not an API key"};
    sodium_memzero(raw->data(), raw->size());
    return parsed_api_key{std::string(prefix), std::string(secret)};
}

result<issued_api_key> api_key_store::create(std::int64_t user_id, std::string_view device, api_scopes scopes,
                                             std::string_view label) {
    if (scopes.empty()) return error{errc::malformed, "an API key needs at least one scope"};
    if (device.empty() || device.size() > 128) return error{errc::malformed, "bad device name"};
    return detail::store_call(db_, [&]() -> result<issued_api_key> {
        auto user = db_.sql().prepare("SELECT 1 FROM users WHERE id = ?1");
        if (!user.bind(1, user_id).step()) return error{errc::not_found, "no such user"};
        // A 40-bit id can collide; try again with a new one rather than fail.
        for (int attempt = 0; attempt < 5; ++attempt) {
            secret_bytes id_bytes(5), secret(32);
            random_.fill(id_bytes.span());
            random_.fill(secret.span());
            std::string prefix = lower(base32_encode(id_bytes.span()));
            std::string secret_text = detail::base64url_encode(secret.span());
            auto hash = hash_secret(secret_text);
            try {
                auto st = db_.sql().prepare(
                    "INSERT INTO api_keys (prefix, secret_hash, user_id, device, scopes, label, created_at)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
                st.bind(1, std::string_view(prefix))
                    .bind(2, std::span<const std::uint8_t>(hash))
                    .bind(3, user_id)
                    .bind(4, device)
                    .bind(5, std::int64_t{scopes.bits()})
                    .bind(6, utf8_prefix(label, 128))
                    .bind(7, to_unix_micros(clock_.now()))
                    .run();
            } catch (const detail::sqlite_constraint&) {
                wipe(secret_text);
                auto taken = db_.sql().prepare("SELECT 1 FROM api_keys WHERE prefix = ?1");
                if (taken.bind(1, std::string_view(prefix)).step()) continue;
                throw;  // not a prefix collision (e.g. no such user)
            }
            auto read = db_.sql().prepare(std::string("SELECT ") + key_columns + " FROM api_keys WHERE id = ?1");
            read.bind(1, db_.sql().last_insert_rowid()).step();
            std::string key = std::string(key_tag) + prefix + "." + secret_text;
            wipe(secret_text);
            return issued_api_key{std::move(key), read_key(read)};
        }
        return error{errc::crypto, "could not find an unused API key id"};
    });
}

result<api_key_info> api_key_store::verify(std::string_view presented) {
    auto parsed = parse(presented);
    if (!parsed) return parsed.err();
    const auto presented_hash = hash_secret(parsed->secret);
    wipe(parsed->secret);
    const auto name = cache_name(presented);
    return detail::store_call(db_, [&]() -> result<api_key_info> {
        // Read before the key's row, so that a remembered key is never newer than the
        // generation it is filed under (a commit in between only makes the next call forget).
        if (!cache_->generation_query) cache_->generation_query = db_.sql().prepare_kept(generation_sql);
        const auto generation = read_generation(db_.sql(), *cache_->generation_query);
        if (generation != cache_->generation) {
            cache_->keys = detail::lru_map<api_key_info>(cache_capacity);
            cache_->generation = generation;
        }
        const auto now = clock_.now();
        // "Last used" is for the owner's list, not an audit trail: written at most once per
        // last_used_granularity, so a slicer's polling (or a benchmark) is not one disk write
        // per request.
        auto stale = [&](const api_key_info& k) {
            return !k.last_used_at || now - *k.last_used_at >= last_used_granularity || now < *k.last_used_at;
        };
        if (auto* known = cache_->keys.find(name); known && !stale(*known)) return *known;

        auto st = db_.sql().prepare(
            "SELECT k.id, k.user_id, k.prefix, k.device, k.scopes, k.label, k.created_at, k.last_used_at,"
            " k.revoked_at, k.secret_hash, u.name, u.disabled"
            " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = ?1");
        if (!st.bind(1, std::string_view(parsed->prefix)).step()) return rejected();
        auto info = read_key(st);
        auto stored = st.blob(9);
        info.user_name = st.text(10);
        const bool disabled = st.int64(11) != 0;
        if (!constant_time_equal(stored, presented_hash) || info.revoked || disabled) return rejected();
        if (stale(info)) {
            auto upd = db_.sql().prepare("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1");
            upd.bind(1, info.id).bind(2, to_unix_micros(now)).run();
            info.last_used_at = from_unix_micros(to_unix_micros(now));
            // This write moves total_changes() by the rows it changed, and nothing else on
            // this connection can write meanwhile (the database lock is held): the memory
            // stays good. data_version stays as read above, so a commit by another process
            // since then still makes the next call forget.
            cache_->generation.own_changes = generation.own_changes + db_.sql().changes();
        }
        cache_->keys.get(name) = info;
        return info;
    });
}

result<api_key_info> api_key_store::authorize(std::string_view presented, api_scope needed) {
    auto info = verify(presented);
    if (!info) return info;
    if (!info->scopes.has(needed))
        return error{errc::permission, "this API key may not " + api_scopes{needed}.to_string()};
    return info;
}

result<std::vector<api_key_info>> api_key_store::list(std::int64_t user_id) {
    return detail::store_call(db_, [&]() -> result<std::vector<api_key_info>> {
        auto st = db_.sql().prepare(std::string("SELECT ") + key_columns +
                                    " FROM api_keys WHERE user_id = ?1 ORDER BY id DESC");
        st.bind(1, user_id);
        std::vector<api_key_info> out;
        while (st.step()) out.push_back(read_key(st));
        return out;
    });
}

result<void> api_key_store::revoke(std::int64_t user_id, std::int64_t key_id) {
    return detail::store_call(db_, [&]() -> result<void> {
        auto st = db_.sql().prepare(
            "UPDATE api_keys SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL");
        st.bind(1, key_id).bind(2, user_id).bind(3, to_unix_micros(clock_.now())).run();
        if (db_.sql().changes() != 1) return error{errc::not_found, "no such API key"};
        return {};
    });
}

result<std::int64_t> api_key_store::revoke_device(std::string_view device) {
    return detail::store_call(db_, [&]() -> result<std::int64_t> {
        auto st = db_.sql().prepare("UPDATE api_keys SET revoked_at = ?2 WHERE device = ?1 AND revoked_at IS NULL");
        st.bind(1, device).bind(2, to_unix_micros(clock_.now())).run();
        return db_.sql().changes();
    });
}

}  // namespace printgate::auth
