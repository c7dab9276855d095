#include "printgate/auth/session_store.hpp"

#include <gtest/gtest.h>

#include <set>

#include "auth_test_support.hpp"
#include "printgate/auth/cookies.hpp"

namespace printgate::auth {
namespace {

using namespace std::chrono_literals;
using test::db_fixture;

class auth_session_store : public db_fixture {
protected:
    session_config exact() {
        session_config c;
        c.touch_granularity = 0us;  // every touch is written: edges are exact
        return c;
    }
};

TEST_F(auth_session_store, ids_are_256_bit_and_never_stored_in_clear) {
    auto jane = make_user("jane");
    session_store sessions(*db_, clock_, random_, exact());
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        auto s = sessions.create(jane, session_state::full, "203.0.113.9", "Firefox").value();
        EXPECT_EQ(s.token.size(), 43u);  // 32 bytes in base64url
        EXPECT_TRUE(seen.insert(s.token).second);
    }
    for (const auto& token : seen) {
        EXPECT_FALSE(test::db_files_contain(db_path(), token)) << token;
        EXPECT_TRUE(sessions.find(token).ok());
    }
    // Sanity check of the check itself: non-secret columns are found in the same files.
    EXPECT_TRUE(test::db_files_contain(db_path(), "203.0.113.9"));
}

TEST_F(auth_session_store, unknown_and_malformed_ids) {
    session_store sessions(*db_, clock_, random_, exact());
    EXPECT_EQ(test::code_of(sessions.find("")), errc::not_found);
    EXPECT_EQ(test::code_of(sessions.find("not a token")), errc::not_found);
    EXPECT_EQ(test::code_of(sessions.find(std::string(43, 'A'))), errc::not_found);
    EXPECT_EQ(test::code_of(sessions.find(std::string(4000, 'A'))), errc::not_found);
}

TEST_F(auth_session_store, rotation_issues_a_new_id_and_kills_the_old) {
    auto jane = make_user("jane");
    session_store sessions(*db_, clock_, random_, exact());
    auto first = sessions.create(jane, session_state::password_ok, "203.0.113.9", "Firefox").value();
    clock_.advance(20s);
    auto second = sessions.rotate(first.token, session_state::full);
    ASSERT_TRUE(second.ok()) << second.message();
    EXPECT_NE(second->token, first.token);
    EXPECT_EQ(second->info.state, session_state::full);
    EXPECT_EQ(second->info.user_id, jane);
    EXPECT_EQ(second->info.client_address, "203.0.113.9");
    // The absolute timeout still counts from the first step.
    EXPECT_EQ(second->info.created_at, first.info.created_at);
    EXPECT_EQ(second->info.state_at, clock_.now());
    EXPECT_EQ(test::code_of(sessions.find(first.token)), errc::not_found);
    EXPECT_EQ(test::code_of(sessions.rotate(first.token, session_state::full)), errc::not_found);
    EXPECT_EQ(sessions.find(second->token).value().state, session_state::full);
}

TEST_F(auth_session_store, idle_timeout_exact_edge) {
    auto jane = make_user("jane");
    session_store sessions(*db_, clock_, random_, exact());
    auto s = sessions.create(jane, session_state::full, "", "").value();
    clock_.advance(30min - 1us);
    ASSERT_TRUE(sessions.touch(s.token).ok());  // activity one microsecond before the end
    clock_.advance(30min - 1us);
    EXPECT_TRUE(sessions.find(s.token).ok());
    clock_.advance(1us);  // exactly 30 minutes of silence
    EXPECT_EQ(test::code_of(sessions.find(s.token)), errc::expired);
    EXPECT_EQ(test::code_of(sessions.find(s.token)), errc::not_found);  // and it is gone
}

TEST_F(auth_session_store, find_does_not_count_as_activity) {
    auto jane = make_user("jane");
    session_store sessions(*db_, clock_, random_, exact());
    auto s = sessions.create(jane, session_state::full, "", "").value();
    clock_.advance(20min);
    ASSERT_TRUE(sessions.find(s.token).ok());
    clock_.advance(10min);
    EXPECT_EQ(test::code_of(sessions.find(s.token)), errc::expired);
}

TEST_F(auth_session_store, absolute_timeout_exact_edge_despite_activity) {
    auto jane = make_user("jane");
    session_store sessions(*db_, clock_, random_, exact());
    auto s = sessions.create(jane, session_state::password_ok, "", "").value();
    clock_.advance(1min);
    auto full = sessions.rotate(s.token, session_state::full).value();
    // Active every 10 minutes until just before 12 h after the password step.
    for (auto elapsed = 1min; elapsed + 10min < 12h; elapsed += 10min) {
        clock_.advance(10min);
        ASSERT_TRUE(sessions.touch(full.token).ok()) << elapsed.count();
    }
    clock_.set(s.info.created_at + 12h - 1us);
    EXPECT_TRUE(sessions.touch(full.token).ok());
    clock_.advance(1us);
    EXPECT_EQ(test::code_of(sessions.touch(full.token)), errc::expired);
}

TEST_F(auth_session_store, second_factor_must_follow_promptly) {
    auto jane = make_user("jane");
    session_store sessions(*db_, clock_, random_, exact());
    auto a = sessions.create(jane, session_state::password_ok, "", "").value();
    auto b = sessions.create(jane, session_state::password_ok, "", "").value();
    clock_.advance(5min - 1us);
    ASSERT_TRUE(sessions.touch(a.token).ok());  // activity does not extend the 2FA deadline
    EXPECT_TRUE(sessions.rotate(b.token, session_state::full).ok());
    clock_.advance(1us);
    EXPECT_EQ(test::code_of(sessions.rotate(a.token, session_state::full)), errc::expired);
}

TEST_F(auth_session_store, touch_granularity_limits_writes) {
    auto jane = make_user("jane");
    auto config = exact();
    config.touch_granularity = 10s;
    session_store sessions(*db_, clock_, random_, config);
    auto s = sessions.create(jane, session_state::full, "", "").value();
    const auto start = clock_.now();
    clock_.advance(9s);
    EXPECT_EQ(sessions.touch(s.token).value().last_seen_at, start);
    clock_.advance(1s);
    EXPECT_EQ(sessions.touch(s.token).value().last_seen_at, clock_.now());
}

TEST_F(auth_session_store, logout_list_and_revoke) {
    auto jane = make_user("jane");
    auto bob = make_user("bob");
    session_store sessions(*db_, clock_, random_, exact());
    auto a = sessions.create(jane, session_state::full, "198.51.100.1", "Firefox").value();
    clock_.advance(1s);
    auto b = sessions.create(jane, session_state::full, "198.51.100.2", "Chrome").value();
    auto theirs = sessions.create(bob, session_state::full, "198.51.100.3", "Safari").value();

    auto list = sessions.list(jane).value();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].id, b.info.id);  // newest first
    EXPECT_EQ(list[0].user_agent, "Chrome");

    // One account cannot revoke another's session by id.
    EXPECT_EQ(test::code_of(sessions.revoke_by_id(jane, theirs.info.id)), errc::not_found);
    EXPECT_TRUE(sessions.find(theirs.token).ok());
    EXPECT_TRUE(sessions.revoke_by_id(jane, a.info.id).ok());
    EXPECT_EQ(test::code_of(sessions.find(a.token)), errc::not_found);

    EXPECT_TRUE(sessions.revoke(b.token).ok());
    EXPECT_EQ(test::code_of(sessions.find(b.token)), errc::not_found);
    EXPECT_EQ(test::code_of(sessions.revoke(b.token)), errc::not_found);

    auto c = sessions.create(jane, session_state::full, "", "").value();
    auto d = sessions.create(jane, session_state::password_ok, "", "").value();
    EXPECT_EQ(sessions.revoke_all(jane).value(), 2);
    EXPECT_EQ(test::code_of(sessions.find(c.token)), errc::not_found);
    EXPECT_EQ(test::code_of(sessions.find(d.token)), errc::not_found);
    EXPECT_TRUE(sessions.find(theirs.token).ok());
}

TEST_F(auth_session_store, purge_and_list_skip_expired) {
    auto jane = make_user("jane");
    session_store sessions(*db_, clock_, random_, exact());
    sessions.create(jane, session_state::full, "", "").value();
    sessions.create(jane, session_state::password_ok, "", "").value();
    clock_.advance(5min);
    auto live = sessions.create(jane, session_state::full, "", "").value();
    EXPECT_EQ(sessions.list(jane).value().size(), 2u);  // the password_ok one has lapsed
    EXPECT_EQ(sessions.purge_expired().value(), 1);
    clock_.advance(30min);
    EXPECT_EQ(sessions.purge_expired().value(), 2);
    EXPECT_EQ(test::code_of(sessions.find(live.token)), errc::not_found);
}

TEST_F(auth_session_store, user_agent_is_shortened_on_a_character_boundary) {
    auto jane = make_user("jane");
    session_store sessions(*db_, clock_, random_, exact());
    std::string ua(255, 'a');
    ua += "é";  // bytes 256 and 257: does not fit
    auto s = sessions.create(jane, session_state::full, "", ua).value();
    EXPECT_EQ(s.info.user_agent, std::string(255, 'a'));
}

TEST_F(auth_session_store, cookie_round_trip) {
    auto jane = make_user("jane");
    session_store sessions(*db_, clock_, random_, exact());
    auto s = sessions.create(jane, session_state::full, "", "").value();
    auto set_cookie = session_cookie(s.token);
    EXPECT_EQ(set_cookie, "__Host-printgate=" + s.token + "; Secure; HttpOnly; SameSite=Lax; Path=/");
    auto header = "theme=dark; __Host-printgate=" + s.token + "; other=1";
    auto value = find_cookie(header, session_cookie_name);
    ASSERT_TRUE(value.ok()) << value.message();
    EXPECT_EQ(sessions.find(value.value()).value().id, s.info.id);
}

}  // namespace
}  // namespace printgate::auth
