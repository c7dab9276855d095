#include "printgate/auth/api_key_store.hpp"

#include <gtest/gtest.h>

#include "auth_test_support.hpp"
#include "printgate/auth/user_store.hpp"

namespace printgate::auth {
namespace {

using namespace std::chrono_literals;
using test::db_fixture;

class auth_api_keys : public db_fixture {};

TEST_F(auth_api_keys, created_once_stored_hashed) {
    auto jane = make_user("jane");
    api_key_store keys(*db_, clock_, random_);
    auto k = keys.create(jane, "printer1", {api_scope::read, api_scope::upload}, "PrusaSlicer");
    ASSERT_TRUE(k.ok()) << k.message();
    EXPECT_EQ(k->key.substr(0, 4), "pgk_");
    EXPECT_TRUE(test::all_of_set(k->key.substr(4, 8), test::base32_lower)) << k->key;
    EXPECT_EQ(k->key[12], '.');
    EXPECT_TRUE(test::all_of_set(k->key.substr(13), test::base64url_chars)) << k->key;
    EXPECT_EQ(k->key.size(), api_key_store::key_length);
    EXPECT_EQ(k->info.prefix, k->key.substr(4, 8));
    EXPECT_FALSE(test::db_files_contain(db_path(), k->key.substr(13)));  // the secret part
    EXPECT_TRUE(test::db_files_contain(db_path(), k->info.prefix));      // the public id is there
    auto list = keys.list(jane).value();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].scopes.to_string(), "read,upload");
    EXPECT_EQ(list[0].label, "PrusaSlicer");
}

TEST_F(auth_api_keys, scopes_decide) {
    auto jane = make_user("jane");
    api_key_store keys(*db_, clock_, random_);
    auto uploader = keys.create(jane, "printer1", {api_scope::upload}, "slicer").value();
    auto watcher = keys.create(jane, "printer1", {api_scope::read}, "dashboard").value();
    EXPECT_TRUE(keys.authorize(uploader.key, api_scope::upload).ok());
    EXPECT_EQ(test::code_of(keys.authorize(uploader.key, api_scope::control)), errc::permission);
    EXPECT_EQ(test::code_of(keys.authorize(uploader.key, api_scope::read)), errc::permission);
    EXPECT_TRUE(keys.authorize(watcher.key, api_scope::read).ok());
    EXPECT_EQ(test::code_of(keys.authorize(watcher.key, api_scope::upload)), errc::permission);
    auto info = keys.authorize(watcher.key, api_scope::read).value();
    EXPECT_EQ(info.user_id, jane);
    EXPECT_EQ(info.device, "printer1");
    EXPECT_EQ(info.last_used_at, clock_.now());
}

TEST_F(auth_api_keys, last_used_is_written_at_most_once_a_minute) {
    auto jane = make_user("jane");
    api_key_store keys(*db_, clock_, random_);
    auto k = keys.create(jane, "printer1", {api_scope::read}, "").value();
    const auto first = clock_.now();
    ASSERT_TRUE(keys.verify(k.key).ok());
    clock_.advance(59s);
    // Within the minute the stored time stays (no write per request) ...
    EXPECT_EQ(keys.verify(k.key).value().last_used_at, first);
    EXPECT_EQ(keys.list(jane).value()[0].last_used_at, first);
    // ... and moves on after it.
    clock_.advance(1s);
    EXPECT_EQ(keys.verify(k.key).value().last_used_at, clock_.now());
    EXPECT_EQ(keys.list(jane).value()[0].last_used_at, clock_.now());
}

TEST_F(auth_api_keys, wrong_unknown_and_revoked_keys) {
    auto jane = make_user("jane");
    api_key_store keys(*db_, clock_, random_);
    auto k = keys.create(jane, "printer1", {api_scope::read}, "").value();
    std::string wrong = k.key;
    // The last character carries 4 bits and 2 zero bits: 'A' and 'E' are both canonical.
    wrong.back() = wrong.back() == 'A' ? 'E' : 'A';
    EXPECT_EQ(test::code_of(keys.verify(wrong)), errc::wrong_secret);
    std::string unknown = k.key;
    unknown[5] = unknown[5] == 'a' ? 'b' : 'a';
    EXPECT_EQ(test::code_of(keys.verify(unknown)), errc::wrong_secret);
    EXPECT_EQ(test::code_of(keys.verify("")), errc::malformed);
    EXPECT_EQ(test::code_of(keys.verify(k.key + "x")), errc::malformed);
    EXPECT_EQ(test::code_of(keys.verify("pgk_AAAAAAAA." + k.key.substr(13))), errc::malformed);

    auto bob = make_user("bob");
    EXPECT_EQ(test::code_of(keys.revoke(bob, k.info.id)), errc::not_found);  // not bob's key
    EXPECT_TRUE(keys.verify(k.key).ok());
    ASSERT_TRUE(keys.revoke(jane, k.info.id).ok());
    EXPECT_EQ(test::code_of(keys.verify(k.key)), errc::wrong_secret);
    EXPECT_TRUE(keys.list(jane).value()[0].revoked);
}

TEST_F(auth_api_keys, unpairing_a_device_revokes_its_keys) {
    auto jane = make_user("jane");
    api_key_store keys(*db_, clock_, random_);
    auto a = keys.create(jane, "printer1", {api_scope::read}, "").value();
    auto b = keys.create(jane, "printer1", {api_scope::upload}, "").value();
    auto c = keys.create(jane, "printer2", {api_scope::read}, "").value();
    EXPECT_EQ(keys.revoke_device("printer1").value(), 2);
    EXPECT_FALSE(keys.verify(a.key).ok());
    EXPECT_FALSE(keys.verify(b.key).ok());
    EXPECT_TRUE(keys.verify(c.key).ok());
}

// The relay remembers verified keys; `printgate-relay apikey revoke`, `device revoke` and
// `user disable` are other processes with their own connection to the same file. Here a
// second database::open stands for that process.
TEST_F(auth_api_keys, a_remembered_key_is_refused_right_after_another_connection_revokes_it) {
    auto jane = make_user("jane");
    api_key_store keys(*db_, clock_, random_);
    auto k = keys.create(jane, "printer1", {api_scope::read}, "").value();
    auto other = keys.create(jane, "printer1", {api_scope::read}, "").value();
    ASSERT_TRUE(keys.verify(k.key).ok());
    ASSERT_TRUE(keys.verify(other.key).ok());
    EXPECT_EQ(keys.cached(), 2u);
    ASSERT_TRUE(keys.verify(k.key).ok());  // from memory
    EXPECT_EQ(keys.cached(), 2u);

    auto cli_db = database::open(db_path()).value();
    api_key_store cli(*cli_db, clock_, random_);
    ASSERT_TRUE(cli.revoke(jane, k.info.id).ok());

    EXPECT_EQ(test::code_of(keys.verify(k.key)), errc::wrong_secret);
    EXPECT_TRUE(keys.verify(other.key).ok());  // read again, still good
    EXPECT_EQ(keys.cached(), 1u);

    ASSERT_EQ(cli.revoke_device("printer1").value(), 1);
    EXPECT_EQ(test::code_of(keys.verify(other.key)), errc::wrong_secret);
    EXPECT_EQ(keys.cached(), 0u);
}

TEST_F(auth_api_keys, a_remembered_key_is_refused_once_its_owner_is_disabled_here_or_elsewhere) {
    auto jane = make_user("jane");
    auto bob = make_user("bob");
    api_key_store keys(*db_, clock_, random_);
    auto jk = keys.create(jane, "printer1", {api_scope::read}, "").value();
    auto bk = keys.create(bob, "printer1", {api_scope::read}, "").value();
    EXPECT_EQ(keys.authorize(jk.key, api_scope::read).value().user_name, "jane");
    EXPECT_EQ(keys.authorize(bk.key, api_scope::read).value().user_name, "bob");

    // Another process disables jane.
    auto cli_db = database::open(db_path()).value();
    ASSERT_TRUE(user_store(*cli_db, clock_).set_disabled(jane, true).ok());
    EXPECT_EQ(test::code_of(keys.verify(jk.key)), errc::wrong_secret);
    EXPECT_TRUE(keys.verify(bk.key).ok());

    // This process (the account pages) disables bob through the same connection.
    ASSERT_TRUE(keys.verify(bk.key).ok());
    ASSERT_TRUE(user_store(*db_, clock_).set_disabled(bob, true).ok());
    EXPECT_EQ(test::code_of(keys.verify(bk.key)), errc::wrong_secret);

    ASSERT_TRUE(user_store(*cli_db, clock_).set_disabled(jane, false).ok());
    EXPECT_TRUE(keys.verify(jk.key).ok());
}

TEST_F(auth_api_keys, only_the_exact_key_is_remembered_and_scopes_still_decide) {
    auto jane = make_user("jane");
    api_key_store keys(*db_, clock_, random_);
    auto k = keys.create(jane, "printer1", {api_scope::read}, "").value();
    ASSERT_TRUE(keys.authorize(k.key, api_scope::read).ok());
    ASSERT_EQ(keys.cached(), 1u);
    std::string wrong = k.key;
    wrong.back() = wrong.back() == 'A' ? 'E' : 'A';
    EXPECT_EQ(test::code_of(keys.verify(wrong)), errc::wrong_secret);
    EXPECT_EQ(test::code_of(keys.authorize(k.key, api_scope::upload)), errc::permission);
    EXPECT_TRUE(keys.authorize(k.key, api_scope::read).ok());
    EXPECT_EQ(keys.cached(), 1u);
    EXPECT_FALSE(test::db_files_contain(db_path(), k.key.substr(13)));
}

TEST_F(auth_api_keys, create_validates) {
    auto jane = make_user("jane");
    api_key_store keys(*db_, clock_, random_);
    EXPECT_EQ(test::code_of(keys.create(jane, "printer1", api_scopes{}, "")), errc::malformed);
    EXPECT_EQ(test::code_of(keys.create(jane, "", {api_scope::read}, "")), errc::malformed);
    EXPECT_EQ(test::code_of(keys.create(9999, "printer1", {api_scope::read}, "")), errc::not_found);
}

TEST(auth_api_scopes, parse_and_print) {
    EXPECT_EQ(api_scopes::parse("read")->to_string(), "read");
    EXPECT_EQ(api_scopes::parse("upload,read")->to_string(), "read,upload");
    EXPECT_EQ(api_scopes::parse("read,control,upload")->bits(), 7u);
    EXPECT_FALSE(api_scopes::parse("").has_value());
    EXPECT_FALSE(api_scopes::parse("admin").has_value());
    EXPECT_FALSE(api_scopes::parse("read,").has_value());
    EXPECT_FALSE(api_scopes::parse("READ").has_value());
}

}  // namespace
}  // namespace printgate::auth
