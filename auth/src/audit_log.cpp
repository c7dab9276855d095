#include "printgate/auth/audit_log.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "printgate/auth/utf8.hpp"
#include "store_call.hpp"

namespace printgate::auth {
namespace {

constexpr std::array<std::pair<audit_event, const char*>, 20> names{{
    {audit_event::sign_in_success, "sign_in_success"},
    {audit_event::sign_in_failure, "sign_in_failure"},
    {audit_event::second_factor_failure, "second_factor_failure"},
    {audit_event::sign_in_limited, "sign_in_limited"},
    {audit_event::signed_out, "signed_out"},
    {audit_event::totp_enrolled, "totp_enrolled"},
    {audit_event::second_factor_reset, "second_factor_reset"},
    {audit_event::recovery_codes_created, "recovery_codes_created"},
    {audit_event::recovery_code_used, "recovery_code_used"},
    {audit_event::password_changed, "password_changed"},
    {audit_event::session_revoked, "session_revoked"},
    {audit_event::sessions_revoked_all, "sessions_revoked_all"},
    {audit_event::device_paired, "device_paired"},
    {audit_event::device_revoked, "device_revoked"},
    {audit_event::api_key_created, "api_key_created"},
    {audit_event::api_key_revoked, "api_key_revoked"},
    {audit_event::user_created, "user_created"},
    {audit_event::user_disabled, "user_disabled"},
    {audit_event::user_enabled, "user_enabled"},
    {audit_event::printer_command, "printer_command"},
}};

// Control characters would let a crafted user agent or device name forge lines in an
// exported log; they become spaces.
std::string printable(std::string_view s, std::size_t max_bytes) {
    std::string out(utf8_code_points(s) ? utf8_prefix(s, max_bytes) : std::string_view{});
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return out;
}

}  // namespace

const char* to_string(audit_event e) {
    for (const auto& [event, name] : names)
        if (event == e) return name;
    return "unknown";
}

std::optional<audit_event> audit_event_from_string(std::string_view s) {
    for (const auto& [event, name] : names)
        if (s == name) return event;
    return std::nullopt;
}

audit_log::audit_log(database& db, const wall_clock& clock) : db_(db), clock_(clock) {}

result<std::int64_t> audit_log::record(const audit_record& r) {
    return detail::store_call(db_, [&]() -> result<std::int64_t> {
        auto st = db_.sql().prepare(
            "INSERT INTO audit_log (at, event, user_id, user_name, client_address, detail)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        st.bind(1, to_unix_micros(clock_.now()))
            .bind(2, std::string_view(to_string(r.event)))
            .bind(3, r.user_id)
            .bind(4, std::string_view(printable(r.user_name, 64)))
            .bind(5, std::string_view(printable(r.client_address, 64)))
            .bind(6, std::string_view(printable(r.detail, 512)))
            .run();
        return db_.sql().last_insert_rowid();
    });
}

result<std::vector<audit_entry>> audit_log::query(const audit_query& q) {
    return detail::store_call(db_, [&]() -> result<std::vector<audit_entry>> {
        // Keyset paging on the id: stable while new events arrive, unlike OFFSET.
        auto st = db_.sql().prepare(
            "SELECT id, at, event, user_id, user_name, client_address, detail FROM audit_log"
            " WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3");
        st.bind(1, q.user_id).bind(2, q.before_id).bind(3, static_cast<std::int64_t>(std::min<std::size_t>(q.limit, 500)));
        std::vector<audit_entry> out;
        while (st.step()) {
            audit_entry e;
            e.id = st.int64(0);
            e.at = from_unix_micros(st.int64(1));
            e.event = audit_event_from_string(st.text(2)).value_or(audit_event::sign_in_failure);
            e.user_id = st.optional_int64(3);
            e.user_name = st.text(4);
            e.client_address = st.text(5);
            e.detail = st.text(6);
            out.push_back(std::move(e));
        }
        return out;
    });
}

result<std::int64_t> audit_log::prune_before(wall_clock::time_point t) {
    return detail::store_call(db_, [&]() -> result<std::int64_t> {
        auto st = db_.sql().prepare("DELETE FROM audit_log WHERE at < ?1");
        st.bind(1, to_unix_micros(t)).run();
        return db_.sql().changes();
    });
}

}  // namespace printgate::auth
