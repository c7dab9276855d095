#include "printgate/auth/known_devices.hpp"

#include <gtest/gtest.h>

#include "auth_test_support.hpp"
#include "printgate/auth/cookies.hpp"

namespace printgate::auth {
namespace {

using namespace std::chrono_literals;
using test::db_fixture;

class auth_known_devices : public db_fixture {};

TEST_F(auth_known_devices, remembered_per_user_and_stored_hashed) {
    auto jane = make_user("jane");
    auto bob = make_user("bob");
    known_devices devices(*db_, clock_, random_);
    auto d = devices.remember(jane, "Firefox on Linux");
    ASSERT_TRUE(d.ok()) << d.message();
    EXPECT_EQ(d->token.size(), 43u);
    EXPECT_FALSE(test::db_files_contain(db_path(), d->token));
    EXPECT_TRUE(devices.is_known(jane, d->token).value());
    EXPECT_FALSE(devices.is_known(bob, d->token).value());  // jane's device is not bob's
    EXPECT_FALSE(devices.is_known(jane, "").value());
    EXPECT_FALSE(devices.is_known(jane, std::string(43, 'A')).value());
    EXPECT_FALSE(devices.is_known(jane, "garbage").value());
    auto cookie = device_cookie(d->token);
    EXPECT_EQ(find_cookie("__Host-printgate-device=" + d->token, device_cookie_name).value(), d->token);
    EXPECT_NE(cookie.find(d->token), std::string::npos);
}

TEST_F(auth_known_devices, expire_after_long_disuse_and_refresh_on_use) {
    auto jane = make_user("jane");
    known_devices devices(*db_, clock_, random_, 100h);
    auto d = devices.remember(jane, "").value();
    clock_.advance(100h - 1us);
    EXPECT_TRUE(devices.is_known(jane, d.token).value());  // and that use refreshes it
    clock_.advance(100h - 1us);
    EXPECT_TRUE(devices.is_known(jane, d.token).value());
    clock_.advance(100h);
    EXPECT_FALSE(devices.is_known(jane, d.token).value());
}

TEST_F(auth_known_devices, list_and_forget) {
    auto jane = make_user("jane");
    auto bob = make_user("bob");
    known_devices devices(*db_, clock_, random_);
    auto a = devices.remember(jane, "laptop").value();
    clock_.advance(1s);
    auto b = devices.remember(jane, "phone").value();
    auto list = devices.list(jane).value();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].label, "phone");
    EXPECT_EQ(test::code_of(devices.forget(bob, a.device.id)), errc::not_found);
    EXPECT_TRUE(devices.forget(jane, a.device.id).ok());
    EXPECT_FALSE(devices.is_known(jane, a.token).value());
    EXPECT_EQ(devices.forget_all(jane).value(), 1);
    EXPECT_FALSE(devices.is_known(jane, b.token).value());
}

}  // namespace
}  // namespace printgate::auth
