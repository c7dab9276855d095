#include "printgate/auth/known_devices.hpp"

#include "printgate/auth/utf8.hpp"
#include "store_call.hpp"
#include "token.hpp"

namespace printgate::auth {
namespace {

known_device read_device(const detail::statement& st) {
    known_device d;
    d.id = st.int64(0);
    d.user_id = st.int64(1);
    d.label = st.text(2);
    d.created_at = from_unix_micros(st.int64(3));
    d.last_used_at = from_unix_micros(st.int64(4));
    return d;
}

std::span<const std::uint8_t> as_span(const detail::token_hash& h) { return h; }

}  // namespace

known_devices::known_devices(database& db, const wall_clock& clock, random_source& random,
                             std::chrono::microseconds max_idle)
    : db_(db), clock_(clock), random_(random), max_idle_(max_idle) {}

result<issued_device_token> known_devices::remember(std::int64_t user_id, std::string_view label) {
    return detail::store_call(db_, [&]() -> result<issued_device_token> {
        auto token = detail::make_token(random_);
        const auto now = to_unix_micros(clock_.now());
        auto st = db_.sql().prepare(
            "INSERT INTO known_devices (token_hash, user_id, label, created_at, last_used_at) VALUES (?1, ?2, ?3, ?4, ?4)");
        st.bind(1, as_span(token.hash)).bind(2, user_id).bind(3, utf8_prefix(label, 256)).bind(4, now).run();
        auto read = db_.sql().prepare(
            "SELECT id, user_id, label, created_at, last_used_at FROM known_devices WHERE id = ?1");
        read.bind(1, db_.sql().last_insert_rowid()).step();
        return issued_device_token{std::move(token.text), read_device(read)};
    });
}

result<bool> known_devices::is_known(std::int64_t user_id, std::string_view token) {
    auto hash = detail::hash_token(token);
    if (!hash) return false;
    return detail::store_call(db_, [&]() -> result<bool> {
        // Looked up by hash through the index: the timing can only tell an attacker about a
        // hash of a 256-bit random value, which says nothing about any token.
        const auto now = clock_.now();
        auto st = db_.sql().prepare(
            "UPDATE known_devices SET last_used_at = ?3 WHERE token_hash = ?1 AND user_id = ?2 AND last_used_at > ?4");
        st.bind(1, as_span(*hash)).bind(2, user_id).bind(3, to_unix_micros(now)).bind(4, to_unix_micros(now - max_idle_));
        st.run();
        return db_.sql().changes() == 1;
    });
}

result<std::vector<known_device>> known_devices::list(std::int64_t user_id) {
    return detail::store_call(db_, [&]() -> result<std::vector<known_device>> {
        auto st = db_.sql().prepare(
            "SELECT id, user_id, label, created_at, last_used_at FROM known_devices WHERE user_id = ?1"
            " ORDER BY last_used_at DESC, id DESC");
        st.bind(1, user_id);
        std::vector<known_device> out;
        while (st.step()) out.push_back(read_device(st));
        return out;
    });
}

result<void> known_devices::forget(std::int64_t user_id, std::int64_t device_id) {
    return detail::store_call(db_, [&]() -> result<void> {
        auto st = db_.sql().prepare("DELETE FROM known_devices WHERE id = ?1 AND user_id = ?2");
        st.bind(1, device_id).bind(2, user_id).run();
        if (db_.sql().changes() != 1) return error{errc::not_found, "no such device"};
        return {};
    });
}

result<std::int64_t> known_devices::forget_all(std::int64_t user_id) {
    return detail::store_call(db_, [&]() -> result<std::int64_t> {
        auto st = db_.sql().prepare("DELETE FROM known_devices WHERE user_id = ?1");
        st.bind(1, user_id).run();
        return db_.sql().changes();
    });
}

}  // namespace printgate::auth
