#include "printgate/auth/cookies.hpp"

#include <gtest/gtest.h>

#include "error_code.hpp"

namespace printgate::auth {
namespace {

const std::string token = "q5Ty0bTqVZkqKZyOZ0bPZ0bTqVZkqKZyOZ0bPZ0bTqV";

TEST(auth_cookies, set_cookie_attributes) {
    EXPECT_EQ(session_cookie(token), "__Host-printgate=" + token + "; Secure; HttpOnly; SameSite=Lax; Path=/");
    auto cleared = clear_session_cookie();
    EXPECT_EQ(cleared.rfind("__Host-printgate=;", 0), 0u);
    EXPECT_NE(cleared.find("Max-Age=0"), std::string::npos);
    auto device = device_cookie(token, std::chrono::hours(24));
    EXPECT_EQ(device, "__Host-printgate-device=" + token + "; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=86400");
    // __Host- cookies must not name a Domain.
    for (const auto& c : {session_cookie(token), cleared, device}) EXPECT_EQ(c.find("Domain"), std::string::npos);
}

TEST(auth_cookies, finds_the_named_cookie) {
    EXPECT_EQ(find_cookie("__Host-printgate=abc", session_cookie_name).value(), "abc");
    EXPECT_EQ(find_cookie("a=1; __Host-printgate=abc; b=2", session_cookie_name).value(), "abc");
    EXPECT_EQ(find_cookie("a=1;__Host-printgate=abc;b=2", session_cookie_name).value(), "abc");
    EXPECT_EQ(find_cookie("  __Host-printgate = abc  ;", session_cookie_name).value(), "abc");
    EXPECT_EQ(find_cookie("__Host-printgate=\"abc\"", session_cookie_name).value(), "abc");
    EXPECT_EQ(find_cookie("__Host-printgate=", session_cookie_name).value(), "");
    // The device cookie's name starts with the session cookie's: no prefix confusion.
    EXPECT_EQ(find_cookie("__Host-printgate-device=dev; __Host-printgate=ses", session_cookie_name).value(), "ses");
    EXPECT_EQ(find_cookie("__Host-printgate-device=dev; __Host-printgate=ses", device_cookie_name).value(), "dev");
    EXPECT_EQ(test::code_of(find_cookie("__Host-printgate-device=dev", session_cookie_name)), errc::not_found);
    // Names are case-sensitive; a look-alike without the prefix does not count.
    EXPECT_EQ(test::code_of(find_cookie("__host-printgate=abc", session_cookie_name)), errc::not_found);
    EXPECT_EQ(test::code_of(find_cookie("printgate=abc", session_cookie_name)), errc::not_found);
    EXPECT_EQ(test::code_of(find_cookie("", session_cookie_name)), errc::not_found);
    EXPECT_EQ(test::code_of(find_cookie("garbage without equals; x", session_cookie_name)), errc::not_found);
}

TEST(auth_cookies, refuses_ambiguity_and_bad_values) {
    EXPECT_EQ(test::code_of(find_cookie("__Host-printgate=a; __Host-printgate=b", session_cookie_name)), errc::malformed);
    EXPECT_EQ(test::code_of(find_cookie("__Host-printgate=a b", session_cookie_name)), errc::malformed);
    EXPECT_EQ(test::code_of(find_cookie("__Host-printgate=a,b", session_cookie_name)), errc::malformed);
    EXPECT_EQ(test::code_of(find_cookie("__Host-printgate=a\\b", session_cookie_name)), errc::malformed);
    EXPECT_EQ(test::code_of(find_cookie(std::string("__Host-printgate=a\0b", 20), session_cookie_name)), errc::malformed);
    EXPECT_EQ(test::code_of(find_cookie("__Host-printgate=\xc3\xa9", session_cookie_name)), errc::malformed);
    EXPECT_EQ(test::code_of(find_cookie("__Host-printgate", session_cookie_name)), errc::malformed);
}

TEST(auth_cookies, size_limits) {
    std::string big(8193, 'a');
    EXPECT_EQ(test::code_of(find_cookie(big, session_cookie_name)), errc::too_large);
    EXPECT_EQ(test::code_of(find_cookie("__Host-printgate=" + std::string(257, 'a'), session_cookie_name)), errc::too_large);
    EXPECT_TRUE(find_cookie("__Host-printgate=" + std::string(256, 'a'), session_cookie_name).ok());
    std::string many;
    for (int i = 0; i < 65; ++i) many += "c" + std::to_string(i) + "=1; ";
    EXPECT_EQ(test::code_of(find_cookie(many + "__Host-printgate=x", session_cookie_name)), errc::too_large);
    std::string enough;
    for (int i = 0; i < 63; ++i) enough += "c" + std::to_string(i) + "=1; ";
    EXPECT_EQ(find_cookie(enough + "__Host-printgate=x", session_cookie_name).value(), "x");
}

}  // namespace
}  // namespace printgate::auth
