#include "printgate/auth/user_store.hpp"

#include "printgate/auth/phc_string.hpp"
#include "printgate/auth/utf8.hpp"
#include "store_call.hpp"

namespace printgate::auth {
namespace {

constexpr const char* user_columns =
    "id, name, password_phc, role, disabled, totp_secret, last_totp_step, created_at, password_changed_at,"
    " totp_pending";

user_record read_user(const detail::statement& st) {
    user_record u;
    u.id = st.int64(0);
    u.name = st.text(1);
    u.password_phc = st.text(2);
    u.role = st.text(3) == "owner" ? user_role::owner : user_role::user;
    u.disabled = st.int64(4) != 0;
    if (!st.is_null(5)) u.totp_secret_sealed = st.blob(5);
    if (auto step = st.optional_int64(6)) u.last_totp_step = static_cast<std::uint64_t>(*step);
    u.created_at = from_unix_micros(st.int64(7));
    u.password_changed_at = from_unix_micros(st.int64(8));
    if (!st.is_null(9)) u.totp_pending_sealed = st.blob(9);
    return u;
}

error no_user() { return error{errc::not_found, "no such user"}; }

}  // namespace

const char* to_string(user_role role) { return role == user_role::owner ? "owner" : "user"; }

user_store::user_store(database& db, const wall_clock& clock) : db_(db), clock_(clock) {}

std::optional<std::string> user_store::check_name(std::string_view name) {
    if (name.empty()) return "The user name is empty.";
    if (name.size() > max_name_bytes) return "The user name is longer than 64 bytes.";
    if (!utf8_code_points(name)) return "The user name is not valid UTF-8 text.";
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return "The user name contains a control character.";
    }
    if (name.front() == ' ' || name.back() == ' ') return "The user name starts or ends with a space.";
    return std::nullopt;
}

result<user_record> user_store::create(std::string_view name, std::string_view password_phc, user_role role) {
    if (auto why = check_name(name)) return error{errc::malformed, *why};
    if (auto phc = phc_string::parse(password_phc); !phc) return phc.err();
    return detail::store_call(db_, [&]() -> result<user_record> {
        const auto now = to_unix_micros(clock_.now());
        auto& sql = db_.sql();
        {
            auto exists = sql.prepare("SELECT 1 FROM users WHERE name = ?1");
            if (exists.bind(1, name).step()) return error{errc::conflict, "that user name is already taken"};
        }
        auto st = sql.prepare(
            "INSERT INTO users (name, password_phc, role, created_at, password_changed_at) VALUES (?1, ?2, ?3, ?4, ?4)");
        st.bind(1, name).bind(2, password_phc).bind(3, std::string_view(to_string(role))).bind(4, now).run();
        auto read = sql.prepare(std::string("SELECT ") + user_columns + " FROM users WHERE id = ?1");
        read.bind(1, sql.last_insert_rowid()).step();
        return read_user(read);
    });
}

result<user_record> user_store::find_by_name(std::string_view name) {
    if (name.size() > max_name_bytes) return no_user();
    return detail::store_call(db_, [&]() -> result<user_record> {
        auto st = db_.sql().prepare(std::string("SELECT ") + user_columns + " FROM users WHERE name = ?1");
        if (!st.bind(1, name).step()) return no_user();
        return read_user(st);
    });
}

result<user_record> user_store::find_by_id(std::int64_t id) {
    return detail::store_call(db_, [&]() -> result<user_record> {
        auto st = db_.sql().prepare(std::string("SELECT ") + user_columns + " FROM users WHERE id = ?1");
        if (!st.bind(1, id).step()) return no_user();
        return read_user(st);
    });
}

result<std::vector<user_record>> user_store::list() {
    return detail::store_call(db_, [&]() -> result<std::vector<user_record>> {
        auto st = db_.sql().prepare(std::string("SELECT ") + user_columns + " FROM users ORDER BY id");
        std::vector<user_record> out;
        while (st.step()) out.push_back(read_user(st));
        return out;
    });
}

result<std::int64_t> user_store::count() {
    return detail::store_call(db_, [&]() -> result<std::int64_t> {
        auto st = db_.sql().prepare("SELECT COUNT(*) FROM users");
        st.step();
        return st.int64(0);
    });
}

result<std::int64_t> user_store::set_password(std::int64_t id, std::string_view password_phc) {
    if (auto phc = phc_string::parse(password_phc); !phc) return phc.err();
    return detail::store_call(db_, [&]() -> result<std::int64_t> {
        bool found = false;
        std::int64_t revoked = 0;
        db_.sql().transaction([&] {
            auto st = db_.sql().prepare("UPDATE users SET password_phc = ?2, password_changed_at = ?3 WHERE id = ?1");
            st.bind(1, id).bind(2, password_phc).bind(3, to_unix_micros(clock_.now())).run();
            found = db_.sql().changes() == 1;
            auto del = db_.sql().prepare("DELETE FROM sessions WHERE user_id = ?1");
            del.bind(1, id).run();
            revoked = db_.sql().changes();
        });
        if (!found) return no_user();
        return revoked;
    });
}

result<void> user_store::rehash_password(std::int64_t id, std::string_view password_phc) {
    if (auto phc = phc_string::parse(password_phc); !phc) return phc.err();
    return detail::store_call(db_, [&]() -> result<void> {
        auto st = db_.sql().prepare("UPDATE users SET password_phc = ?2 WHERE id = ?1");
        st.bind(1, id).bind(2, password_phc).run();
        if (db_.sql().changes() != 1) return no_user();
        return {};
    });
}

result<void> user_store::set_disabled(std::int64_t id, bool disabled) {
    return detail::store_call(db_, [&]() -> result<void> {
        bool found = false;
        db_.sql().transaction([&] {
            auto st = db_.sql().prepare("UPDATE users SET disabled = ?2 WHERE id = ?1");
            st.bind(1, id).bind(2, std::int64_t{disabled ? 1 : 0}).run();
            found = db_.sql().changes() == 1;
            if (disabled) {
                auto del = db_.sql().prepare("DELETE FROM sessions WHERE user_id = ?1");
                del.bind(1, id).run();
            }
        });
        if (!found) return no_user();
        return {};
    });
}

result<void> user_store::set_totp_secret(std::int64_t id, std::span<const std::uint8_t> sealed) {
    return detail::store_call(db_, [&]() -> result<void> {
        auto st = db_.sql().prepare("UPDATE users SET totp_secret = ?2, last_totp_step = NULL WHERE id = ?1");
        st.bind(1, id).bind(2, sealed).run();
        if (db_.sql().changes() != 1) return no_user();
        return {};
    });
}

result<void> user_store::set_pending_totp(std::int64_t id, std::span<const std::uint8_t> sealed) {
    return detail::store_call(db_, [&]() -> result<void> {
        auto st = db_.sql().prepare("UPDATE users SET totp_pending = ?2 WHERE id = ?1");
        st.bind(1, id).bind(2, sealed).run();
        if (db_.sql().changes() != 1) return no_user();
        return {};
    });
}

result<void> user_store::confirm_pending_totp(std::int64_t id, std::uint64_t step) {
    return detail::store_call(db_, [&]() -> result<void> {
        auto st = db_.sql().prepare(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, last_totp_step = ?2"
            " WHERE id = ?1 AND totp_pending IS NOT NULL");
        st.bind(1, id).bind(2, static_cast<std::int64_t>(step)).run();
        if (db_.sql().changes() != 1) return error{errc::not_found, "no enrolment in progress"};
        return {};
    });
}

result<void> user_store::clear_second_factor(std::int64_t id) {
    return detail::store_call(db_, [&]() -> result<void> {
        bool found = false;
        db_.sql().transaction([&] {
            auto st = db_.sql().prepare(
                "UPDATE users SET totp_secret = NULL, totp_pending = NULL, last_totp_step = NULL WHERE id = ?1");
            st.bind(1, id).run();
            found = db_.sql().changes() == 1;
            auto del = db_.sql().prepare("DELETE FROM recovery_codes WHERE user_id = ?1");
            del.bind(1, id).run();
        });
        if (!found) return no_user();
        return {};
    });
}

result<void> user_store::accept_totp_step(std::int64_t id, std::uint64_t step) {
    return detail::store_call(db_, [&]() -> result<void> {
        // One statement, so the check and the update cannot be split by another request.
        auto st = db_.sql().prepare(
            "UPDATE users SET last_totp_step = ?2 WHERE id = ?1 AND (last_totp_step IS NULL OR last_totp_step < ?2)");
        st.bind(1, id).bind(2, static_cast<std::int64_t>(step)).run();
        if (db_.sql().changes() == 1) return {};
        auto exists = db_.sql().prepare("SELECT 1 FROM users WHERE id = ?1");
        if (!exists.bind(1, id).step()) return no_user();
        return error{errc::replayed, "this code was already used; wait for the next one"};
    });
}

}  // namespace printgate::auth
