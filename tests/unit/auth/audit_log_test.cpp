#include "printgate/auth/audit_log.hpp"

#include <gtest/gtest.h>

#include "auth_test_support.hpp"

namespace printgate::auth {
namespace {

using namespace std::chrono_literals;
using test::db_fixture;

class auth_audit_log : public db_fixture {};

TEST_F(auth_audit_log, newest_first_with_keyset_paging) {
    audit_log log(*db_, clock_);
    for (int i = 0; i < 25; ++i) {
        clock_.advance(1s);
        ASSERT_TRUE(log.record({audit_event::sign_in_failure, std::nullopt, "", "203.0.113.7",
                                "attempt " + std::to_string(i)})
                        .ok());
    }
    auto page1 = log.query({std::nullopt, std::nullopt, 10}).value();
    ASSERT_EQ(page1.size(), 10u);
    EXPECT_EQ(page1[0].detail, "attempt 24");
    EXPECT_EQ(page1[0].at, clock_.now());
    EXPECT_EQ(page1[9].detail, "attempt 15");
    // New events arriving between pages do not shift the next page.
    log.record({audit_event::sign_in_failure, std::nullopt, "", "", "late"}).value();
    auto page2 = log.query({std::nullopt, page1.back().id, 10}).value();
    ASSERT_EQ(page2.size(), 10u);
    EXPECT_EQ(page2[0].detail, "attempt 14");
    auto page3 = log.query({std::nullopt, page2.back().id, 10}).value();
    ASSERT_EQ(page3.size(), 5u);
    EXPECT_EQ(page3.back().detail, "attempt 0");
    EXPECT_TRUE(log.query({std::nullopt, page3.back().id, 10}).value().empty());
}

TEST_F(auth_audit_log, filter_by_user) {
    audit_log log(*db_, clock_);
    auto jane = make_user("jane");
    auto bob = make_user("bob");
    log.record({audit_event::sign_in_success, jane, "jane", "203.0.113.1", ""}).value();
    log.record({audit_event::api_key_created, bob, "bob", "203.0.113.2", "printer1 read"}).value();
    log.record({audit_event::totp_enrolled, jane, "jane", "203.0.113.1", ""}).value();
    auto janes = log.query({jane, std::nullopt, 50}).value();
    ASSERT_EQ(janes.size(), 2u);
    EXPECT_EQ(janes[0].event, audit_event::totp_enrolled);
    EXPECT_EQ(janes[1].event, audit_event::sign_in_success);
    EXPECT_EQ(janes[1].user_name, "jane");
    EXPECT_EQ(janes[1].client_address, "203.0.113.1");
    EXPECT_EQ(log.query({}).value().size(), 3u);
}

TEST_F(auth_audit_log, control_characters_cannot_forge_lines) {
    audit_log log(*db_, clock_);
    log.record({audit_event::device_paired, std::nullopt, "", "", "printer1\nsign_in_success jane"}).value();
    auto e = log.query({}).value().at(0);
    EXPECT_EQ(e.detail, "printer1 sign_in_success jane");
    log.record({audit_event::device_paired, std::nullopt, "", "", std::string(600, 'x')}).value();
    EXPECT_EQ(log.query({}).value().at(0).detail.size(), 512u);
    log.record({audit_event::device_paired, std::nullopt, "", "", "bad \xff utf8"}).value();
    EXPECT_EQ(log.query({}).value().at(0).detail, "");
}

TEST_F(auth_audit_log, event_names_round_trip) {
    for (int i = 0; i <= static_cast<int>(audit_event::printer_command); ++i) {
        auto e = static_cast<audit_event>(i);
        EXPECT_EQ(audit_event_from_string(to_string(e)), e) << i;
    }
    EXPECT_FALSE(audit_event_from_string("nope").has_value());
}

TEST_F(auth_audit_log, limit_is_capped_and_prune_works) {
    audit_log log(*db_, clock_);
    for (int i = 0; i < 600; ++i) log.record({audit_event::sign_in_failure, std::nullopt, "", "", ""}).value();
    EXPECT_EQ(log.query({std::nullopt, std::nullopt, 10'000}).value().size(), 500u);
    clock_.advance(1h);
    log.record({audit_event::sign_in_success, std::nullopt, "", "", ""}).value();
    EXPECT_EQ(log.prune_before(clock_.now() - 30min).value(), 600);
    EXPECT_EQ(log.query({}).value().size(), 1u);
}

}  // namespace
}  // namespace printgate::auth
