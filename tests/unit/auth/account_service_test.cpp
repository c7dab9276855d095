// auth::account_service: the stores, flow and worker pool opened from one state directory
// (what the relay's gate and the edge's LAN listener both use).
#include "auth_test_support.hpp"

#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>

#include "printgate/auth/account_service.hpp"
#include "printgate/auth/base32.hpp"
#include "printgate/common/clock.hpp"

namespace printgate::auth {
namespace {

namespace net = boost::asio;

class auth_account_service : public ::testing::Test {
protected:
    std::unique_ptr<account_service> open() {
        account_settings settings;
        settings.zone = "printer.example";
        settings.argon2 = test::fast_argon2();
        auto opened = account_service::open(dir_.path() / "state", settings, {wall_, steady_, random_});
        EXPECT_TRUE(opened) << (opened ? "" : opened.message());
        return opened ? std::move(opened.value()) : nullptr;
    }

    printgate::testing::temp_dir dir_;
    manual_wall_clock wall_;
    printgate::manual_clock steady_;
    seeded_random_source random_{7};
};

TEST_F(auth_account_service, creates_the_database_and_a_private_key_file_in_the_state_folder) {
    auto svc = open();
    ASSERT_TRUE(svc);
    struct stat st {};
    ASSERT_EQ(::stat((dir_.path() / "state" / account_service::key_file).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "state" / account_service::database_file));
}

TEST_F(auth_account_service, a_full_session_is_found_only_after_both_factors_and_only_while_the_account_is_enabled) {
    auto svc = open();
    ASSERT_TRUE(svc);
    const client_info client{"192.0.2.1", "test", {}};
    auto created = svc->flow.create_account("alice", "violet lantern orbit kestrel 57", user_role::owner, client);
    ASSERT_TRUE(created) << created.message();
    auto first = svc->flow.sign_in("alice", "violet lantern orbit kestrel 57", client);
    ASSERT_EQ(first.status, login_status::enrollment_needed);
    ASSERT_TRUE(first.session);
    EXPECT_FALSE(svc->full_session(first.session->token, false));
    auto setup = svc->flow.begin_enrollment(first.session->token);
    ASSERT_TRUE(setup) << setup.message();
    // The app reads the secret from the otpauth:// URI (secret=BASE32&...).
    const auto& uri = setup->otpauth_uri;
    const auto at = uri.find("secret=") + 7;
    auto bytes = base32_decode(uri.substr(at, uri.find('&', at) - at));
    ASSERT_TRUE(bytes);
    auto done = svc->flow.finish_enrollment(first.session->token, svc->flow.totp_rules().code_at(bytes.value(), wall_.now()),
                                            client);
    ASSERT_EQ(done.status, login_status::signed_in) << done.message;
    ASSERT_TRUE(done.session);
    auto who = svc->full_session(done.session->token, true);
    ASSERT_TRUE(who);
    EXPECT_EQ(who->name, "alice");
    EXPECT_EQ(who->role, user_role::owner);
    EXPECT_FALSE(svc->full_session("", true));
    EXPECT_FALSE(svc->full_session("not-a-token", true));
    ASSERT_TRUE(svc->users.set_disabled(who->user_id, true));
    EXPECT_FALSE(svc->full_session(done.session->token, true));
}

TEST_F(auth_account_service, csrf_values_belong_to_one_session) {
    auto svc = open();
    ASSERT_TRUE(svc);
    const auto a = svc->csrf_token("session-a");
    EXPECT_EQ(a.size(), 64u);
    EXPECT_EQ(a, svc->csrf_token("session-a"));
    EXPECT_NE(a, svc->csrf_token("session-b"));
    EXPECT_TRUE(svc->csrf_matches("session-a", a));
    EXPECT_FALSE(svc->csrf_matches("session-b", a));
    EXPECT_FALSE(svc->csrf_matches("session-a", ""));
}

TEST_F(auth_account_service, the_setup_token_exists_only_while_there_is_no_account) {
    auto svc = open();
    ASSERT_TRUE(svc);
    auto token = svc->open_setup();
    ASSERT_TRUE(token);
    EXPECT_EQ(token->size(), 64u);
    EXPECT_TRUE(test::all_of_set(*token, "0123456789abcdef"));
    EXPECT_TRUE(svc->setup_token_matches(*token));
    auto wrong = *token;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    EXPECT_FALSE(svc->setup_token_matches(wrong));
    svc->close_setup();
    EXPECT_FALSE(svc->setup_token_matches(*token));
    ASSERT_TRUE(svc->flow.create_account("alice", "violet lantern orbit kestrel 57", user_role::owner, {"cli", {}, {}}));
    EXPECT_FALSE(svc->open_setup());
}

TEST_F(auth_account_service, offload_runs_the_job_on_the_pool_and_resumes_on_the_caller) {
    auto svc = open();
    ASSERT_TRUE(svc);
    net::io_context io;
    std::optional<std::optional<int>> got;
    std::thread::id ran_on, resumed_on;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            auto pending = svc->offload([&ran_on] {
                ran_on = std::this_thread::get_id();
                return 42;
            });
            auto r = co_await std::move(pending);
            resumed_on = std::this_thread::get_id();
            got = r;
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    io.run();
    ASSERT_TRUE(got);
    ASSERT_TRUE(*got);
    EXPECT_EQ(**got, 42);
    EXPECT_NE(ran_on, std::this_thread::get_id());
    EXPECT_EQ(resumed_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace printgate::auth
