#include "printgate/auth/login_flow.hpp"

#include <gtest/gtest.h>

#include "auth_test_support.hpp"
#include "printgate/auth/base32.hpp"

namespace printgate::auth {
namespace {

using namespace std::chrono_literals;

const std::string owner_password = "tram velvet oxide harbour";
const std::string other_password = "quilted maple sonar drift";

// Everything the relay would wire together, on a temp database, a manual clock for the
// calendar, a manual monotonic clock for the limiter, and seeded randomness.
class auth_login_flow : public test::db_fixture {
protected:
    void SetUp() override {
        db_fixture::SetUp();
        users_.emplace(*db_, clock_);
        sessions_.emplace(*db_, clock_, random_);
        devices_.emplace(*db_, clock_, random_);
        recovery_.emplace(*db_, key_, clock_, random_);
        audit_.emplace(*db_, clock_);
        flow_.emplace(login_services{*users_, hasher_, policy_, limiter_, *sessions_, *devices_, *recovery_, *audit_,
                                     key_, clock_, random_},
                      login_flow_config{"printgate", "print.example.com", {}});
    }

    // Creates the owner and takes them through first sign-in and enrolment.
    struct enrolled {
        std::int64_t id;
        secret_bytes secret;
        std::string device_token;
        std::vector<std::string> recovery;
        std::string session;
    };
    enrolled enroll_owner() {
        auto owner = flow_->create_account("jane", owner_password, user_role::owner, browser_);
        EXPECT_TRUE(owner.ok()) << owner.message();
        auto r = flow_->sign_in("jane", owner_password, browser_);
        EXPECT_EQ(r.status, login_status::enrollment_needed) << r.message;
        auto e = flow_->begin_enrollment(r.session->token);
        EXPECT_TRUE(e.ok());
        auto secret = base32_decode(e->secret_text).value();
        auto code = flow_->totp_rules().code_at(secret, clock_.now());
        auto done = flow_->finish_enrollment(r.session->token, code, browser_);
        EXPECT_EQ(done.status, login_status::signed_in) << done.message;
        return {owner->id, secret_bytes(secret), done.device_token.value_or(""), done.recovery_codes,
                done.session ? done.session->token : ""};
    }

    std::string code_now(const enrolled& e) { return flow_->totp_rules().code_at(e.secret.span(), clock_.now()); }

    secret_box_key key_ = test::test_key();
    password_hasher hasher_{test::fast_argon2(), {1, 4}, random_};
    password_policy policy_;
    manual_clock steady_;
    login_limiter limiter_{steady_};
    std::optional<user_store> users_;
    std::optional<session_store> sessions_;
    std::optional<known_devices> devices_;
    std::optional<recovery_codes> recovery_;
    std::optional<audit_log> audit_;
    std::optional<login_flow> flow_;
    client_info browser_{"203.0.113.10", "Firefox/128", ""};
};

TEST_F(auth_login_flow, first_sign_in_enrolls_totp_and_shows_recovery_codes_once) {
    auto e = enroll_owner();
    EXPECT_EQ(e.recovery.size(), 10u);
    EXPECT_FALSE(e.device_token.empty());
    auto session = sessions_->find(e.session);
    ASSERT_TRUE(session.ok());
    EXPECT_EQ(session->state, session_state::full);
    auto user = users_->find_by_id(e.id).value();
    EXPECT_TRUE(user.has_totp());
    EXPECT_FALSE(user.totp_pending_sealed.has_value());
    // The enrolment code's step is spent.
    auto again = flow_->sign_in("jane", owner_password, browser_);
    ASSERT_EQ(again.status, login_status::second_factor_needed);
    EXPECT_EQ(flow_->verify_totp(again.session->token, code_now(e), browser_).status, login_status::rejected);
}

TEST_F(auth_login_flow, enrollment_needs_the_right_first_code) {
    ASSERT_TRUE(flow_->create_account("jane", owner_password, user_role::owner, browser_).ok());
    auto r = flow_->sign_in("jane", owner_password, browser_);
    auto e = flow_->begin_enrollment(r.session->token).value();
    EXPECT_EQ(e.otpauth_uri.rfind("otpauth://totp/printgate:jane?secret=", 0), 0u);
    EXPECT_NE(e.qr_svg.find("<svg"), std::string::npos);
    EXPECT_EQ(flow_->finish_enrollment(r.session->token, "000000", browser_).status, login_status::rejected);
    EXPECT_FALSE(users_->find_by_id(r.user_id).value().has_totp());
    // Until confirmed, the pending secret is not a second factor.
    EXPECT_EQ(flow_->verify_totp(r.session->token, "000000", browser_).status, login_status::start_over);
}

TEST_F(auth_login_flow, full_sign_in_rotates_the_session) {
    auto e = enroll_owner();
    clock_.advance(30s);
    auto half = flow_->sign_in("jane", owner_password, browser_);
    ASSERT_EQ(half.status, login_status::second_factor_needed);
    EXPECT_EQ(sessions_->find(half.session->token)->state, session_state::password_ok);
    auto full = flow_->verify_totp(half.session->token, code_now(e), browser_);
    ASSERT_EQ(full.status, login_status::signed_in) << full.message;
    EXPECT_NE(full.session->token, half.session->token);
    EXPECT_EQ(test::code_of(sessions_->find(half.session->token)), errc::not_found);
    EXPECT_EQ(sessions_->find(full.session->token)->state, session_state::full);
}

TEST_F(auth_login_flow, unknown_user_and_wrong_password_look_the_same) {
    enroll_owner();
    const auto before = hasher_.hashes_computed();
    auto wrong = flow_->sign_in("jane", "not her password at all", browser_);
    auto unknown = flow_->sign_in("nobody", "not her password at all", browser_);
    EXPECT_EQ(wrong.status, login_status::rejected);
    EXPECT_EQ(unknown.status, wrong.status);
    EXPECT_EQ(unknown.message, wrong.message);
    EXPECT_FALSE(wrong.session || unknown.session);
    // One Argon2 computation each: an unknown name is not answered faster.
    EXPECT_EQ(hasher_.hashes_computed(), before + 2);
    ASSERT_TRUE(users_->set_disabled(users_->find_by_name("jane")->id, true).ok());
    auto disabled = flow_->sign_in("jane", owner_password, browser_);
    EXPECT_EQ(disabled.status, login_status::rejected);
    EXPECT_EQ(disabled.message, wrong.message);
}

TEST_F(auth_login_flow, address_limit_applies_before_any_hashing) {
    enroll_owner();
    for (int i = 0; i < 10; ++i) flow_->sign_in("user" + std::to_string(i), "guess guess guess", browser_);
    const auto before = hasher_.hashes_computed();
    auto r = flow_->sign_in("jane", owner_password, browser_);
    EXPECT_EQ(r.status, login_status::limited);
    EXPECT_EQ(r.retry_after, 6s);
    EXPECT_EQ(hasher_.hashes_computed(), before);
    // Another network is not affected.
    EXPECT_EQ(flow_->sign_in("jane", owner_password, {"198.51.100.7", "Chrome", ""}).status,
              login_status::second_factor_needed);
}

TEST_F(auth_login_flow, account_delay_spares_the_owners_known_device) {
    auto e = enroll_owner();
    // Four wrong guesses from four networks: the account now waits 1 s ...
    for (int i = 0; i < 4; ++i)
        flow_->sign_in("jane", "wrong wrong wrong", {"198.51.100." + std::to_string(i), "bot", ""});
    const auto before = hasher_.hashes_computed();
    auto stranger = flow_->sign_in("jane", owner_password, {"192.0.2.1", "bot", ""});
    EXPECT_EQ(stranger.status, login_status::limited);
    EXPECT_EQ(stranger.retry_after, 1s);
    EXPECT_EQ(hasher_.hashes_computed(), before);
    // ... but not for the browser jane signed in from before.
    client_info jane_browser{"203.0.113.10", "Firefox/128", e.device_token};
    auto r = flow_->sign_in("jane", owner_password, jane_browser);
    EXPECT_EQ(r.status, login_status::second_factor_needed) << r.message;
    // The known device's token is not a key to anyone else's account.
    ASSERT_TRUE(flow_->create_account("bob", other_password, user_role::user, browser_).ok());
    for (int i = 0; i < 4; ++i) flow_->sign_in("bob", "wrong wrong wrong", {"198.51.100.9", "bot", ""});
    EXPECT_EQ(flow_->sign_in("bob", other_password, jane_browser).status, login_status::limited);
    steady_.advance(1s);
    EXPECT_EQ(flow_->sign_in("bob", other_password, jane_browser).status, login_status::enrollment_needed);
}

TEST_F(auth_login_flow, totp_replay_and_wrong_codes) {
    auto e = enroll_owner();
    clock_.advance(30s);
    auto first = flow_->sign_in("jane", owner_password, browser_);
    const auto code = code_now(e);
    ASSERT_EQ(flow_->verify_totp(first.session->token, code, browser_).status, login_status::signed_in);
    // The same code in another half-signed-in session (an observer replaying it): refused.
    auto second = flow_->sign_in("jane", owner_password, browser_);
    auto replay = flow_->verify_totp(second.session->token, code, browser_);
    EXPECT_EQ(replay.status, login_status::rejected);
    EXPECT_NE(replay.message.find("already used"), std::string::npos);
    EXPECT_EQ(flow_->verify_totp(second.session->token, "12345", browser_).status, login_status::rejected);
    clock_.advance(30s);
    EXPECT_EQ(flow_->verify_totp(second.session->token, code_now(e), browser_).status, login_status::signed_in);
}

TEST_F(auth_login_flow, recovery_code_signs_in_once) {
    auto e = enroll_owner();
    auto half = flow_->sign_in("jane", owner_password, browser_);
    auto r = flow_->use_recovery_code(half.session->token, e.recovery[0], browser_);
    ASSERT_EQ(r.status, login_status::signed_in) << r.message;
    auto half2 = flow_->sign_in("jane", owner_password, browser_);
    EXPECT_EQ(flow_->use_recovery_code(half2.session->token, e.recovery[0], browser_).status, login_status::rejected);
    EXPECT_EQ(flow_->use_recovery_code(half2.session->token, e.recovery[1], browser_).status, login_status::signed_in);
    EXPECT_EQ(recovery_->remaining(e.id).value(), 8);
}

TEST_F(auth_login_flow, second_factor_needs_a_fresh_password_ok_session) {
    auto e = enroll_owner();
    EXPECT_EQ(flow_->verify_totp("made-up", code_now(e), browser_).status, login_status::start_over);
    EXPECT_EQ(flow_->verify_totp(e.session, code_now(e), browser_).status, login_status::start_over);  // already full
    auto half = flow_->sign_in("jane", owner_password, browser_);
    clock_.advance(5min);
    EXPECT_EQ(flow_->verify_totp(half.session->token, code_now(e), browser_).status, login_status::start_over);
}

TEST_F(auth_login_flow, password_change_checks_policy_and_ends_every_session) {
    auto e = enroll_owner();
    clock_.advance(30s);
    auto elsewhere = flow_->verify_totp(flow_->sign_in("jane", owner_password, browser_).session->token, code_now(e),
                                        browser_);
    ASSERT_EQ(elsewhere.status, login_status::signed_in);
    EXPECT_EQ(flow_->change_password(e.session, "wrong current", other_password, browser_).status,
              login_status::rejected);
    auto weak = flow_->change_password(e.session, owner_password, "printgate2024!!", browser_);
    EXPECT_EQ(weak.status, login_status::refused);
    EXPECT_NE(weak.message.find("printgate"), std::string::npos);
    auto changed = flow_->change_password(e.session, owner_password, other_password, browser_);
    ASSERT_EQ(changed.status, login_status::signed_in) << changed.message;
    EXPECT_EQ(test::code_of(sessions_->find(e.session)), errc::not_found);
    EXPECT_EQ(test::code_of(sessions_->find(elsewhere.session->token)), errc::not_found);
    EXPECT_TRUE(sessions_->find(changed.session->token).ok());
    EXPECT_EQ(flow_->sign_in("jane", owner_password, browser_).status, login_status::rejected);
    EXPECT_EQ(flow_->sign_in("jane", other_password, browser_).status, login_status::second_factor_needed);
}

TEST_F(auth_login_flow, create_account_applies_the_policy) {
    auto weak = flow_->create_account("jane", "jane1234jane", user_role::owner, browser_);
    EXPECT_EQ(test::code_of(weak), errc::weak_password);
    EXPECT_EQ(test::code_of(flow_->create_account("bad\nname", owner_password, user_role::owner, browser_)),
              errc::malformed);
    EXPECT_EQ(users_->count().value(), 0);
}

TEST_F(auth_login_flow, rehashes_when_parameters_change) {
    enroll_owner();
    const auto old_phc = users_->find_by_name("jane")->password_phc;
    auto stronger = test::fast_argon2();
    stronger.memory_kib = 128;
    password_hasher new_hasher(stronger, {1, 4}, random_);
    login_flow upgraded(login_services{*users_, new_hasher, policy_, limiter_, *sessions_, *devices_, *recovery_,
                                       *audit_, key_, clock_, random_});
    ASSERT_EQ(upgraded.sign_in("jane", owner_password, browser_).status, login_status::second_factor_needed);
    const auto new_phc = users_->find_by_name("jane")->password_phc;
    EXPECT_NE(new_phc, old_phc);
    EXPECT_FALSE(new_hasher.needs_rehash(new_phc));
}

TEST_F(auth_login_flow, audit_tells_the_story_without_secrets) {
    auto e = enroll_owner();
    flow_->sign_in("jane", "my wrong password guess", browser_);
    flow_->sign_in("Jane Typed Her Password Here", "x", browser_);
    clock_.advance(30s);
    auto half = flow_->sign_in("jane", owner_password, browser_);
    const auto code = code_now(e);
    flow_->verify_totp(half.session->token, code, browser_);
    auto half2 = flow_->sign_in("jane", owner_password, browser_);
    flow_->verify_totp(half2.session->token, code, browser_);  // replay
    flow_->use_recovery_code(half2.session->token, e.recovery[0], browser_);
    ASSERT_TRUE(flow_->sign_out(e.session, browser_).ok());

    auto entries = audit_->query({}).value();
    std::vector<std::string> events;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) events.push_back(to_string(it->event));
    const std::vector<std::string> expected = {
        "user_created",    "totp_enrolled",         "recovery_codes_created", "sign_in_success",
        "sign_in_failure", "sign_in_failure",       "sign_in_success",        "second_factor_failure",
        "recovery_code_used", "sign_in_success",    "signed_out"};
    EXPECT_EQ(events, expected);
    EXPECT_EQ(entries[entries.size() - 5].user_id, e.id);
    EXPECT_FALSE(entries[entries.size() - 6].user_id.has_value());  // unknown name: no id ...
    EXPECT_EQ(entries[entries.size() - 6].user_name, "");          // ... and the typed name is not kept

    std::vector<std::string> secrets = {owner_password, "my wrong password guess", "Jane Typed Her Password Here",
                                        code, e.device_token, e.session, half.session->token,
                                        base32_encode(e.secret.span())};
    for (const auto& c : e.recovery) {
        secrets.push_back(c);
        secrets.push_back(c.substr(0, 5) + c.substr(6));
    }
    for (const auto& entry : entries)
        for (const auto& s : secrets)
            for (const auto& field : {entry.user_name, entry.client_address, entry.detail})
                EXPECT_EQ(field.find(s), std::string::npos) << to_string(entry.event) << " holds " << s;
    // Nor anywhere in the database files.
    for (const auto& s : secrets) EXPECT_FALSE(test::db_files_contain(db_path(), s)) << s;
    EXPECT_FALSE(test::db_files_contain(db_path(), std::string(reinterpret_cast<const char*>(e.secret.data()),
                                                               e.secret.size())));
}

}  // namespace
}  // namespace printgate::auth
