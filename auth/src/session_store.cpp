#include "printgate/auth/session_store.hpp"

#include "printgate/auth/utf8.hpp"
#include "store_call.hpp"
#include "token.hpp"

namespace printgate::auth {
namespace {

constexpr const char* session_columns =
    "id, user_id, state, created_at, state_at, last_seen_at, client_address, user_agent";

session_info read_session(const detail::statement& st) {
    session_info s;
    s.id = st.int64(0);
    s.user_id = st.int64(1);
    s.state = st.text(2) == "full" ? session_state::full : session_state::password_ok;
    s.created_at = from_unix_micros(st.int64(3));
    s.state_at = from_unix_micros(st.int64(4));
    s.last_seen_at = from_unix_micros(st.int64(5));
    s.client_address = st.text(6);
    s.user_agent = st.text(7);
    return s;
}

error not_found() { return error{errc::not_found, "no such session"}; }

std::span<const std::uint8_t> as_span(const detail::token_hash& h) { return h; }

}  // namespace

const char* to_string(session_state state) { return state == session_state::full ? "full" : "password_ok"; }

session_store::session_store(database& db, const wall_clock& clock, random_source& random, session_config config)
    : db_(db), clock_(clock), random_(random), config_(config) {}

bool session_store::expired(const session_info& s, wall_clock::time_point now) const {
    // Each limit is the first instant at which the session is dead.
    if (now >= s.last_seen_at + config_.idle_timeout) return true;
    if (now >= s.created_at + config_.absolute_timeout) return true;
    if (s.state == session_state::password_ok && now >= s.state_at + config_.second_factor_timeout) return true;
    return false;
}

result<issued_session> session_store::create(std::int64_t user_id, session_state state,
                                             std::string_view client_address, std::string_view user_agent) {
    return detail::store_call(db_, [&]() -> result<issued_session> {
        auto token = detail::make_token(random_);
        const auto now = to_unix_micros(clock_.now());
        auto st = db_.sql().prepare(
            "INSERT INTO sessions (token_hash, user_id, state, created_at, state_at, last_seen_at, client_address,"
            " user_agent) VALUES (?1, ?2, ?3, ?4, ?4, ?4, ?5, ?6)");
        st.bind(1, as_span(token.hash))
            .bind(2, user_id)
            .bind(3, std::string_view(to_string(state)))
            .bind(4, now)
            .bind(5, utf8_prefix(client_address, 64))
            .bind(6, utf8_prefix(user_agent, config_.max_user_agent_bytes))
            .run();
        auto read = db_.sql().prepare(std::string("SELECT ") + session_columns + " FROM sessions WHERE id = ?1");
        read.bind(1, db_.sql().last_insert_rowid()).step();
        return issued_session{std::move(token.text), read_session(read)};
    });
}

result<session_info> session_store::find(std::string_view token) {
    auto hash = detail::hash_token(token);
    if (!hash) return not_found();
    return detail::store_call(db_, [&]() -> result<session_info> {
        auto st = db_.sql().prepare(std::string("SELECT ") + session_columns + " FROM sessions WHERE token_hash = ?1");
        if (!st.bind(1, as_span(*hash)).step()) return not_found();
        auto s = read_session(st);
        if (expired(s, clock_.now())) {
            auto del = db_.sql().prepare("DELETE FROM sessions WHERE id = ?1");
            del.bind(1, s.id).run();
            return error{errc::expired, "the session has expired; sign in again"};
        }
        return s;
    });
}

result<session_info> session_store::touch(std::string_view token) {
    auto found = find(token);
    if (!found) return found;
    const auto now = clock_.now();
    if (now - found->last_seen_at < config_.touch_granularity) return found;
    return detail::store_call(db_, [&]() -> result<session_info> {
        auto st = db_.sql().prepare("UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1");
        st.bind(1, found->id).bind(2, to_unix_micros(now)).run();
        if (db_.sql().changes() != 1) return not_found();  // revoked meanwhile
        found->last_seen_at = from_unix_micros(to_unix_micros(now));
        return found.value();
    });
}

result<issued_session> session_store::rotate(std::string_view token, session_state new_state) {
    auto hash = detail::hash_token(token);
    if (!hash) return not_found();
    return detail::store_call(db_, [&]() -> result<issued_session> {
        auto& sql = db_.sql();
        std::optional<issued_session> out;
        bool was_expired = false;
        sql.transaction([&] {
            auto st = sql.prepare(std::string("SELECT ") + session_columns + " FROM sessions WHERE token_hash = ?1");
            if (!st.bind(1, as_span(*hash)).step()) return;
            auto old = read_session(st);
            auto del = sql.prepare("DELETE FROM sessions WHERE id = ?1");
            del.bind(1, old.id).run();
            const auto now = clock_.now();
            if (expired(old, now)) {
                was_expired = true;
                return;
            }
            auto fresh = detail::make_token(random_);
            const auto now_us = to_unix_micros(now);
            auto ins = sql.prepare(
                "INSERT INTO sessions (token_hash, user_id, state, created_at, state_at, last_seen_at,"
                " client_address, user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7)");
            ins.bind(1, as_span(fresh.hash))
                .bind(2, old.user_id)
                .bind(3, std::string_view(to_string(new_state)))
                .bind(4, to_unix_micros(old.created_at))
                .bind(5, now_us)
                .bind(6, std::string_view(old.client_address))
                .bind(7, std::string_view(old.user_agent))
                .run();
            auto read = sql.prepare(std::string("SELECT ") + session_columns + " FROM sessions WHERE id = ?1");
            read.bind(1, sql.last_insert_rowid()).step();
            out = issued_session{std::move(fresh.text), read_session(read)};
        });
        if (was_expired) return error{errc::expired, "the session has expired; sign in again"};
        if (!out) return not_found();
        return std::move(*out);
    });
}

result<void> session_store::revoke(std::string_view token) {
    auto hash = detail::hash_token(token);
    if (!hash) return not_found();
    return detail::store_call(db_, [&]() -> result<void> {
        auto st = db_.sql().prepare("DELETE FROM sessions WHERE token_hash = ?1");
        st.bind(1, as_span(*hash)).run();
        if (db_.sql().changes() != 1) return not_found();
        return {};
    });
}

result<void> session_store::revoke_by_id(std::int64_t user_id, std::int64_t session_id) {
    return detail::store_call(db_, [&]() -> result<void> {
        // The user id is part of the condition: one account cannot revoke another's sessions.
        auto st = db_.sql().prepare("DELETE FROM sessions WHERE id = ?1 AND user_id = ?2");
        st.bind(1, session_id).bind(2, user_id).run();
        if (db_.sql().changes() != 1) return not_found();
        return {};
    });
}

result<std::int64_t> session_store::revoke_all(std::int64_t user_id) {
    return detail::store_call(db_, [&]() -> result<std::int64_t> {
        auto st = db_.sql().prepare("DELETE FROM sessions WHERE user_id = ?1");
        st.bind(1, user_id).run();
        return db_.sql().changes();
    });
}

result<std::vector<session_info>> session_store::list(std::int64_t user_id) {
    return detail::store_call(db_, [&]() -> result<std::vector<session_info>> {
        auto st = db_.sql().prepare(std::string("SELECT ") + session_columns +
                                    " FROM sessions WHERE user_id = ?1 ORDER BY created_at DESC, id DESC");
        st.bind(1, user_id);
        std::vector<session_info> out;
        const auto now = clock_.now();
        while (st.step()) {
            auto s = read_session(st);
            if (!expired(s, now)) out.push_back(std::move(s));
        }
        return out;
    });
}

result<std::int64_t> session_store::purge_expired() {
    return detail::store_call(db_, [&]() -> result<std::int64_t> {
        const auto now = clock_.now();
        auto st = db_.sql().prepare(
            "DELETE FROM sessions WHERE last_seen_at <= ?1 OR created_at <= ?2"
            " OR (state = 'password_ok' AND state_at <= ?3)");
        st.bind(1, to_unix_micros(now - config_.idle_timeout))
            .bind(2, to_unix_micros(now - config_.absolute_timeout))
            .bind(3, to_unix_micros(now - config_.second_factor_timeout))
            .run();
        return db_.sql().changes();
    });
}

}  // namespace printgate::auth
