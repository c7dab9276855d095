#include "printgate/auth/password_policy.hpp"

#include <gtest/gtest.h>

namespace printgate::auth {
namespace {

const password_context no_context{};
const password_context jane{"jane.doe", "print.example.com"};

// Letters, digits and a few accented and non-Latin characters, picked by a fixed LCG: strong
// for zxcvbn, and with multi-byte characters so bytes and code points differ.
std::string random_text(std::size_t code_points, std::uint32_t seed = 1) {
    static const char* pool[] = {"a", "K", "q", "7", "z", "M", "é", "ß", "ж", "λ", "R", "3", "w", "Ü", "9", "p",
                                 "中", "x", "B", "5", "ñ", "f", "T", "2", "ø", "h", "J", "8", "€", "d", "V", "4"};
    std::string out;
    for (std::size_t i = 0; i < code_points; ++i) {
        seed = seed * 1664525u + 1013904223u;
        out += pool[(seed >> 16) % 32];
    }
    return out;
}

TEST(auth_password_policy, length_boundaries_in_code_points) {
    password_policy p;
    EXPECT_EQ(p.check(random_text(11), no_context).reason, policy_rejection::too_short);
    auto twelve = p.check(random_text(12), no_context);
    EXPECT_TRUE(twelve.ok()) << twelve.message;
    auto max = p.check(random_text(128), no_context);
    EXPECT_TRUE(max.ok()) << max.message;
    auto over = p.check(random_text(129), no_context);
    EXPECT_EQ(over.reason, policy_rejection::too_long);
    EXPECT_NE(over.message.find("129"), std::string::npos);
}

TEST(auth_password_policy, counts_characters_not_bytes) {
    password_policy p;
    // 11 emoji are 44 bytes but 11 characters: too short.
    const std::string eleven = "🐙🦊🐢🦉🐝🦋🐬🦄🐧🦀🐸";
    ASSERT_EQ(eleven.size(), 44u);
    auto v = p.check(eleven, no_context);
    EXPECT_EQ(v.reason, policy_rejection::too_short);
    EXPECT_NE(v.message.find("has 11"), std::string::npos) << v.message;
    auto twelve = p.check(eleven + "🦒", no_context);
    EXPECT_TRUE(twelve.ok()) << twelve.message;
    // 128 two-byte characters (256 bytes) pass; 129 do not.
    std::string cyrillic;
    for (int i = 0; i < 128; ++i) cyrillic += (i % 3 == 0 ? "ж" : i % 3 == 1 ? "щ" : "ю");
    EXPECT_NE(p.check(cyrillic, no_context).reason, policy_rejection::too_long);
    EXPECT_EQ(p.check(cyrillic + "я", no_context).reason, policy_rejection::too_long);
}

TEST(auth_password_policy, rejects_invalid_utf8_in_plain_words) {
    password_policy p;
    const std::string strong = random_text(14);
    for (std::string bad : {strong + "\xff", strong + "\xc0\xaf" /* overlong '/' */,
                            strong + "\xed\xa0\x80" /* surrogate */, strong + "\xe2\x82" /* truncated */,
                            strong + "\xf4\x90\x80\x80" /* above U+10FFFF */, "\x80" + strong}) {
        auto v = p.check(bad, no_context);
        EXPECT_EQ(v.reason, policy_rejection::invalid_utf8);
        EXPECT_EQ(v.message, "The password is not valid UTF-8 text.");
    }
    EXPECT_EQ(p.check(random_text(7) + std::string(1, '\0') + random_text(7, 9), no_context).reason,
              policy_rejection::contains_nul);
}

TEST(auth_password_policy, no_composition_rules) {
    password_policy p;
    // All lower case letters, no digit, no symbol: fine when long and unpredictable.
    auto v = p.check("correct zebra uplift saddle", no_context);
    EXPECT_TRUE(v.ok()) << v.message;
    auto spaces = p.check("  tram   velvet   oxide  ", no_context);
    EXPECT_TRUE(spaces.ok()) << spaces.message;
}

TEST(auth_password_policy, blocklist_with_padding_and_leet) {
    password_policy p;
    for (const char* common : {"123456789012", "qwertyuiopas", "Password1234!", "p@ssw0rd2024", "iloveyou!!!!",
                               "1q2w3e4r5t6y", "MONKEY123456", "2024dragon2024", "  letmein!!!!  ",
                               "Tr0ub4dor&3-correcthorsebatterystaple", "correcthorsebatterystaple"}) {
        auto v = p.check(common, no_context);
        if (std::string_view(common).find("Tr0ub4dor") != std::string_view::npos) {
            // A blocklisted phrase inside a longer password is not a blocklist hit by itself.
            EXPECT_NE(v.reason, policy_rejection::common_password) << common;
            continue;
        }
        EXPECT_EQ(v.reason, policy_rejection::common_password) << common << ": " << v.message;
        EXPECT_NE(v.message.find("most common passwords"), std::string::npos);
    }
}

TEST(auth_password_policy, context_words) {
    password_policy p;
    auto v = p.check("printgate2024!!", jane);
    EXPECT_EQ(v.reason, policy_rejection::context_word) << v.message;
    EXPECT_NE(v.message.find("\"printgate\""), std::string::npos) << v.message;
    EXPECT_EQ(p.check("Jane.Doe.Rocks!!", jane).reason, policy_rejection::context_word);
    EXPECT_EQ(p.check("example-example", jane).reason, policy_rejection::context_word);
    EXPECT_EQ(p.check("Print.Example.Com!", jane).reason, policy_rejection::context_word);
    // Without that context, the same word is only what zxcvbn makes of it.
    EXPECT_NE(p.check("Jane.Doe.Rocks!!", no_context).reason, policy_rejection::context_word);
    // A long password that merely contains a context word is judged on the rest.
    auto ok = p.check("my printer sits on a wobbly oak shelf", jane);
    EXPECT_TRUE(ok.ok()) << ok.message;
}

TEST(auth_password_policy, context_words_feed_zxcvbn) {
    password_policy p;
    const password_context odd_name{"xqzvbkwplmtr", ""};
    const std::string pw = "xqzvbkwplmtr+Kettle7Moss";
    auto with = p.check(pw, odd_name);
    auto without = p.check(pw, no_context);
    ASSERT_NE(with.reason, policy_rejection::context_word);
    EXPECT_LT(with.entropy_bits + 20, without.entropy_bits);
    auto words = password_policy::context_words(jane);
    for (const char* w : {"printgate", "octoprint", "printer", "jane.doe", "jane", "doe", "print.example.com",
                          "print", "example"})
        EXPECT_NE(std::find(words.begin(), words.end(), w), words.end()) << w;
}

TEST(auth_password_policy, zxcvbn_weak_passwords) {
    password_policy p;
    for (const char* weak : {"bbbbbbbbbbbbbbbb", "abcdabcdabcdabcd", "zxcvbnmasdfghjkl", "19871987198719",
                             "monkeydragonmonkey"}) {
        auto v = p.check(weak, no_context);
        EXPECT_FALSE(v.ok()) << weak;
        if (v.reason == policy_rejection::too_guessable) {
            EXPECT_LT(v.score, 3) << weak;
            EXPECT_NE(v.message.find("guessed too quickly"), std::string::npos);
        }
    }
    EXPECT_EQ(p.check("bbbbbbbbbbbbbbbb", no_context).reason, policy_rejection::too_guessable);
}

TEST(auth_password_policy, score_follows_zxcvbn_guess_thresholds) {
    // guesses = 2^bits; thresholds 1e3, 1e6, 1e8, 1e10 are 9.966, 19.932, 26.575, 33.219 bits.
    EXPECT_EQ(password_policy::score_from_entropy(0), 0);
    EXPECT_EQ(password_policy::score_from_entropy(9.96), 0);
    EXPECT_EQ(password_policy::score_from_entropy(9.97), 1);
    EXPECT_EQ(password_policy::score_from_entropy(19.93), 1);
    EXPECT_EQ(password_policy::score_from_entropy(19.94), 2);
    EXPECT_EQ(password_policy::score_from_entropy(26.57), 2);
    EXPECT_EQ(password_policy::score_from_entropy(26.58), 3);
    EXPECT_EQ(password_policy::score_from_entropy(33.21), 3);
    EXPECT_EQ(password_policy::score_from_entropy(33.22), 4);
}

TEST(auth_password_policy, configurable_limits) {
    password_policy p({8, 16, 2});
    EXPECT_EQ(p.check(random_text(7), no_context).reason, policy_rejection::too_short);
    EXPECT_TRUE(p.check(random_text(8), no_context).ok());
    EXPECT_EQ(p.check(random_text(17), no_context).reason, policy_rejection::too_long);
}

}  // namespace
}  // namespace printgate::auth
