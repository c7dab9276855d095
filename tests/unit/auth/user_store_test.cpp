#include "printgate/auth/user_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "auth_test_support.hpp"
#include "printgate/auth/session_store.hpp"

namespace printgate::auth {
namespace {

using test::db_fixture;

const char* phc_a = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
const char* phc_b = "$argon2id$v=19$m=128,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";

unsigned mode_of(const std::filesystem::path& p) {
    struct stat st{};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
}

class auth_user_store : public db_fixture {};

TEST_F(auth_user_store, database_files_are_private_and_in_wal_mode) {
    user_store users(*db_, clock_);
    ASSERT_TRUE(users.create("jane", phc_a, user_role::owner).ok());
    EXPECT_EQ(mode_of(db_path()), 0600u);
    ASSERT_TRUE(std::filesystem::exists(db_path().string() + "-wal"));
    EXPECT_EQ(mode_of(db_path().string() + "-wal"), 0600u);
    EXPECT_EQ(mode_of(db_path().string() + "-shm"), 0600u);
    // Read the journal mode back through a second, independent connection.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw, "PRAGMA journal_mode", -1, &st, nullptr);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
    sqlite3_finalize(st);
    sqlite3_close(raw);
}

TEST_F(auth_user_store, tightens_an_existing_lax_file) {
    db_.reset();
    ASSERT_EQ(::chmod(db_path().c_str(), 0644), 0);
    auto again = database::open(db_path());
    ASSERT_TRUE(again.ok()) << again.message();
    EXPECT_EQ(mode_of(db_path()), 0600u);
}

TEST_F(auth_user_store, schema_version_is_recorded_and_newer_is_refused) {
    EXPECT_EQ(db_->schema_version(), database::latest_schema_version());
    db_.reset();
    // Reopening does not migrate twice.
    auto again = database::open(db_path());
    ASSERT_TRUE(again.ok()) << again.message();
    EXPECT_EQ(again.value()->schema_version(), database::latest_schema_version());
    again.value().reset();

    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "UPDATE schema_version SET version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
    auto newer = database::open(db_path());
    ASSERT_FALSE(newer.ok());
    EXPECT_EQ(test::code_of(newer), errc::storage);
    EXPECT_NE(newer.message().find("newer"), std::string::npos) << newer.message();
}

TEST_F(auth_user_store, migrates_a_version_1_database) {
    const auto jane = make_user("jane");
    db_.reset();
    // Turn the file back into what the first release wrote: no totp_pending, version 1.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "ALTER TABLE users DROP COLUMN totp_pending; UPDATE schema_version SET version = 1",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
    auto upgraded = database::open(db_path());
    ASSERT_TRUE(upgraded.ok()) << upgraded.message();
    EXPECT_EQ(upgraded.value()->schema_version(), 2);
    user_store users(*upgraded.value(), clock_);
    ASSERT_TRUE(users.set_pending_totp(jane, std::vector<std::uint8_t>{9, 9}).ok());
    EXPECT_EQ(users.find_by_id(jane).value().name, "jane");
}

TEST_F(auth_user_store, pending_totp_becomes_the_secret_only_when_confirmed) {
    user_store users(*db_, clock_);
    auto jane = make_user("jane");
    EXPECT_EQ(test::code_of(users.confirm_pending_totp(jane, 5)), errc::not_found);
    const std::vector<std::uint8_t> sealed = {7, 7, 7};
    ASSERT_TRUE(users.set_pending_totp(jane, sealed).ok());
    auto u = users.find_by_id(jane).value();
    EXPECT_FALSE(u.has_totp());
    EXPECT_EQ(u.totp_pending_sealed, sealed);
    ASSERT_TRUE(users.confirm_pending_totp(jane, 5).ok());
    u = users.find_by_id(jane).value();
    EXPECT_TRUE(u.has_totp());
    EXPECT_EQ(u.totp_secret_sealed, sealed);
    EXPECT_FALSE(u.totp_pending_sealed.has_value());
    EXPECT_EQ(u.last_totp_step, 5u);
    EXPECT_EQ(test::code_of(users.accept_totp_step(jane, 5)), errc::replayed);
}

TEST_F(auth_user_store, create_find_list) {
    user_store users(*db_, clock_);
    EXPECT_EQ(users.count().value(), 0);
    auto jane = users.create("Jane", phc_a, user_role::owner);
    ASSERT_TRUE(jane.ok()) << jane.message();
    EXPECT_EQ(jane->role, user_role::owner);
    EXPECT_FALSE(jane->disabled);
    EXPECT_FALSE(jane->has_totp());
    EXPECT_EQ(jane->created_at, clock_.now());
    auto bob = users.create("bob", phc_a, user_role::user).value();
    EXPECT_EQ(users.count().value(), 2);
    // Names are unique regardless of case, and found regardless of case.
    EXPECT_EQ(test::code_of(users.create("JANE", phc_a, user_role::user)), errc::conflict);
    EXPECT_EQ(users.find_by_name("jane").value().id, jane->id);
    EXPECT_EQ(users.find_by_id(bob.id).value().name, "bob");
    EXPECT_EQ(test::code_of(users.find_by_name("nobody")), errc::not_found);
    EXPECT_EQ(test::code_of(users.find_by_id(12345)), errc::not_found);
    auto all = users.list().value();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].name, "Jane");
}

TEST_F(auth_user_store, rejects_bad_names_and_non_phc_hashes) {
    user_store users(*db_, clock_);
    EXPECT_EQ(test::code_of(users.create("", phc_a, user_role::user)), errc::malformed);
    EXPECT_EQ(test::code_of(users.create(std::string(65, 'a'), phc_a, user_role::user)), errc::malformed);
    EXPECT_EQ(test::code_of(users.create("a\nb", phc_a, user_role::user)), errc::malformed);
    EXPECT_EQ(test::code_of(users.create(" jane", phc_a, user_role::user)), errc::malformed);
    EXPECT_EQ(test::code_of(users.create("bad\xff", phc_a, user_role::user)), errc::malformed);
    EXPECT_EQ(test::code_of(users.create("jane", "plaintext password", user_role::user)), errc::malformed);
    EXPECT_TRUE(users.create("jöns ström", phc_a, user_role::user).ok());
}

TEST_F(auth_user_store, password_change_revokes_every_session) {
    user_store users(*db_, clock_);
    session_store sessions(*db_, clock_, random_);
    auto jane = make_user("jane");
    auto bob = make_user("bob");
    auto s1 = sessions.create(jane, session_state::full, "203.0.113.1", "Firefox").value();
    auto s2 = sessions.create(jane, session_state::password_ok, "203.0.113.2", "Chrome").value();
    auto other = sessions.create(bob, session_state::full, "203.0.113.3", "Safari").value();
    clock_.advance(std::chrono::seconds(5));
    EXPECT_EQ(users.set_password(jane, phc_b).value(), 2);
    EXPECT_EQ(test::code_of(sessions.find(s1.token)), errc::not_found);
    EXPECT_EQ(test::code_of(sessions.find(s2.token)), errc::not_found);
    EXPECT_TRUE(sessions.find(other.token).ok());
    auto updated = users.find_by_id(jane).value();
    EXPECT_EQ(updated.password_phc, phc_b);
    EXPECT_EQ(updated.password_changed_at, clock_.now());
    EXPECT_EQ(test::code_of(users.set_password(999, phc_b)), errc::not_found);
}

TEST_F(auth_user_store, rehash_keeps_sessions) {
    user_store users(*db_, clock_);
    session_store sessions(*db_, clock_, random_);
    auto jane = make_user("jane");
    auto s = sessions.create(jane, session_state::full, "", "").value();
    ASSERT_TRUE(users.rehash_password(jane, phc_b).ok());
    EXPECT_TRUE(sessions.find(s.token).ok());
    EXPECT_EQ(users.find_by_id(jane).value().password_phc, phc_b);
}

TEST_F(auth_user_store, disabling_revokes_sessions) {
    user_store users(*db_, clock_);
    session_store sessions(*db_, clock_, random_);
    auto jane = make_user("jane");
    auto s = sessions.create(jane, session_state::full, "", "").value();
    ASSERT_TRUE(users.set_disabled(jane, true).ok());
    EXPECT_TRUE(users.find_by_id(jane).value().disabled);
    EXPECT_EQ(test::code_of(sessions.find(s.token)), errc::not_found);
    ASSERT_TRUE(users.set_disabled(jane, false).ok());
    EXPECT_FALSE(users.find_by_id(jane).value().disabled);
}

TEST_F(auth_user_store, totp_step_is_accepted_once_and_only_upwards) {
    user_store users(*db_, clock_);
    auto jane = make_user("jane");
    const std::vector<std::uint8_t> sealed = {1, 2, 3, 4};
    ASSERT_TRUE(users.set_totp_secret(jane, sealed).ok());
    auto u = users.find_by_id(jane).value();
    EXPECT_TRUE(u.has_totp());
    EXPECT_EQ(*u.totp_secret_sealed, sealed);
    EXPECT_FALSE(u.last_totp_step.has_value());

    EXPECT_TRUE(users.accept_totp_step(jane, 100).ok());
    EXPECT_EQ(test::code_of(users.accept_totp_step(jane, 100)), errc::replayed);
    EXPECT_EQ(test::code_of(users.accept_totp_step(jane, 99)), errc::replayed);
    EXPECT_TRUE(users.accept_totp_step(jane, 101).ok());
    EXPECT_EQ(users.find_by_id(jane).value().last_totp_step, 101u);
    EXPECT_EQ(test::code_of(users.accept_totp_step(4242, 1)), errc::not_found);

    // Enrolling again starts over; clearing removes the secret.
    ASSERT_TRUE(users.set_totp_secret(jane, sealed).ok());
    EXPECT_FALSE(users.find_by_id(jane).value().last_totp_step.has_value());
    ASSERT_TRUE(users.clear_second_factor(jane).ok());
    EXPECT_FALSE(users.find_by_id(jane).value().has_totp());
}

}  // namespace
}  // namespace printgate::auth
