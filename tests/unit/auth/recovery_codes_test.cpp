#include "printgate/auth/recovery_codes.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "auth_test_support.hpp"

namespace printgate::auth {
namespace {

using test::db_fixture;

class auth_recovery_codes : public db_fixture {
protected:
    secret_box_key key_ = test::test_key();
};

TEST_F(auth_recovery_codes, ten_codes_in_groups_shown_once) {
    auto jane = make_user("jane");
    recovery_codes codes(*db_, key_, clock_, random_);
    auto issued = codes.regenerate(jane);
    ASSERT_TRUE(issued.ok()) << issued.message();
    ASSERT_EQ(issued->size(), 10u);
    std::set<std::string> unique(issued->begin(), issued->end());
    EXPECT_EQ(unique.size(), 10u);
    for (const auto& c : issued.value()) {
        ASSERT_EQ(c.size(), 11u) << c;
        EXPECT_EQ(c[5], '-') << c;
        EXPECT_TRUE(test::all_of_set(c.substr(0, 5) + c.substr(6), test::base32_upper)) << c;
        // Stored only as keyed hashes: neither spelling is anywhere in the files.
        EXPECT_FALSE(test::db_files_contain(db_path(), c)) << c;
        EXPECT_FALSE(test::db_files_contain(db_path(), c.substr(0, 5) + c.substr(6))) << c;
    }
    EXPECT_EQ(codes.remaining(jane).value(), 10);
}

TEST_F(auth_recovery_codes, each_code_works_once) {
    auto jane = make_user("jane");
    recovery_codes codes(*db_, key_, clock_, random_);
    auto issued = codes.regenerate(jane).value();
    EXPECT_TRUE(codes.consume(jane, issued[3]).ok());
    EXPECT_EQ(test::code_of(codes.consume(jane, issued[3])), errc::wrong_secret);
    EXPECT_EQ(codes.remaining(jane).value(), 9);
    // Typed loosely: lower case, spaces instead of the dash.
    std::string loose = issued[4];
    for (char& c : loose) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    loose[5] = ' ';
    EXPECT_TRUE(codes.consume(jane, loose).ok());
    EXPECT_EQ(codes.remaining(jane).value(), 8);
}

TEST_F(auth_recovery_codes, codes_belong_to_their_user) {
    auto jane = make_user("jane");
    auto bob = make_user("bob");
    recovery_codes codes(*db_, key_, clock_, random_);
    auto janes = codes.regenerate(jane).value();
    codes.regenerate(bob).value();
    EXPECT_EQ(test::code_of(codes.consume(bob, janes[0])), errc::wrong_secret);
    EXPECT_TRUE(codes.consume(jane, janes[0]).ok());
}

TEST_F(auth_recovery_codes, regenerating_voids_the_old_set) {
    auto jane = make_user("jane");
    recovery_codes codes(*db_, key_, clock_, random_);
    auto old_codes = codes.regenerate(jane).value();
    auto new_codes = codes.regenerate(jane).value();
    EXPECT_EQ(test::code_of(codes.consume(jane, old_codes[0])), errc::wrong_secret);
    EXPECT_TRUE(codes.consume(jane, new_codes[0]).ok());
    EXPECT_EQ(test::code_of(codes.regenerate(424242)), errc::not_found);
}

TEST_F(auth_recovery_codes, another_key_file_cannot_verify) {
    auto jane = make_user("jane");
    recovery_codes codes(*db_, key_, clock_, random_);
    auto issued = codes.regenerate(jane).value();
    std::array<std::uint8_t, 32> other_bytes{};
    auto other_key = secret_box_key::from_bytes(other_bytes);
    recovery_codes wrong_key(*db_, other_key, clock_, random_);
    EXPECT_EQ(test::code_of(wrong_key.consume(jane, issued[0])), errc::wrong_secret);
}

TEST_F(auth_recovery_codes, racing_requests_use_a_code_once) {
    auto jane = make_user("jane");
    recovery_codes codes(*db_, key_, clock_, random_);
    auto issued = codes.regenerate(jane).value();
    std::atomic<int> wins{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < 8; ++i)
        racers.emplace_back([&] {
            if (codes.consume(jane, issued[0]).ok()) ++wins;
        });
    for (auto& t : racers) t.join();
    EXPECT_EQ(wins.load(), 1);
}

TEST(auth_recovery_code_input, normalization) {
    EXPECT_EQ(recovery_codes::normalize("abcde-fghij").value(), "ABCDEFGHIJ");
    EXPECT_EQ(recovery_codes::normalize(" ABCDE FGHIJ ").value(), "ABCDEFGHIJ");
    EXPECT_EQ(recovery_codes::normalize("0BCDE-1GH8J").value(), "OBCDEIGHBJ");  // look-alikes
    EXPECT_EQ(test::code_of(recovery_codes::normalize("ABCDE-FGHI")), errc::malformed);
    EXPECT_EQ(test::code_of(recovery_codes::normalize("ABCDE-FGHIJK")), errc::malformed);
    EXPECT_EQ(test::code_of(recovery_codes::normalize("ABCDE_FGHIJ")), errc::malformed);
    EXPECT_EQ(test::code_of(recovery_codes::normalize("ABCDE-FGH9J")), errc::malformed);
    EXPECT_EQ(test::code_of(recovery_codes::normalize(std::string(100, 'A'))), errc::too_large);
}

}  // namespace
}  // namespace printgate::auth
