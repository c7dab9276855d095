#include "printgate/relay/registry.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "temp_dir.hpp"

namespace printgate::relay {
namespace {

using namespace std::chrono_literals;

const wall_time t0{std::chrono::seconds(1'800'000'000)};

registry::signer issue_ok(std::string serial = "s1", std::string* id_out = nullptr) {
    return [serial, id_out](const std::string& device_id) -> identity_result<issued_certificate> {
        if (id_out) *id_out = device_id;
        return issued_certificate{serial, t0 + 60 * 24h, "PEM"};
    };
}

class registry_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = registry::open(dir_ / "registry.db");
        ASSERT_TRUE(opened) << opened.message();
        reg_ = std::move(*opened);
    }
    testing::temp_dir dir_;
    std::unique_ptr<registry> reg_;
};

TEST_F(registry_test, file_is_private) {
    struct stat st {};
    ASSERT_EQ(::stat((dir_ / "registry.db").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(registry_test, a_code_pairs_once_and_only_its_hash_is_stored) {
    auto code = reg_->create_pairing_code("printer1", t0);
    ASSERT_TRUE(code) << code.message();
    EXPECT_EQ(code->id.size(), 16u);
    EXPECT_EQ(code->secret.size(), 32u);
    EXPECT_EQ(code->expires_at, t0 + 10min);
    for (auto file : {"registry.db", "registry.db-wal"}) {
        if (std::filesystem::exists(dir_ / file)) {
            auto bytes = testing::read_file(dir_ / file);
            EXPECT_EQ(bytes.find(code->secret), std::string::npos) << file;
        }
    }

    std::string device_id;
    auto r = reg_->redeem_pairing_code(code->id, code->secret, t0 + 1min, issue_ok("s1", &device_id));
    ASSERT_TRUE(std::holds_alternative<registry::paired>(r));
    auto& done = std::get<registry::paired>(r);
    EXPECT_EQ(done.device.name, "printer1");
    EXPECT_EQ(done.device.id, device_id);
    EXPECT_TRUE(reg_->admits(device_id, "s1", t0 + 2min));
    EXPECT_FALSE(reg_->admits(device_id, "other", t0 + 2min));
    EXPECT_FALSE(reg_->admits(device_id, "s1", t0 + 61 * 24h));  // expired

    auto again = reg_->redeem_pairing_code(code->id, code->secret, t0 + 2min, issue_ok("s2"));
    ASSERT_TRUE(std::holds_alternative<pairing_failure>(again));
    EXPECT_EQ(std::get<pairing_failure>(again).reason, pairing_refusal::used);
    ASSERT_EQ(reg_->devices().size(), 1u);
}

TEST_F(registry_test, expired_code_is_refused_and_changes_nothing) {
    auto code = reg_->create_pairing_code("printer1", t0);
    auto r = reg_->redeem_pairing_code(code->id, code->secret, t0 + 10min, issue_ok());
    ASSERT_TRUE(std::holds_alternative<pairing_failure>(r));
    EXPECT_EQ(std::get<pairing_failure>(r).reason, pairing_refusal::expired);
    EXPECT_TRUE(reg_->devices().empty());
}

TEST_F(registry_test, five_wrong_secrets_exhaust_the_code) {
    auto code = reg_->create_pairing_code("printer1", t0);
    for (int i = 0; i < pairing_code_attempts; ++i) {
        auto r = reg_->redeem_pairing_code(code->id, std::string(32, '0'), t0, issue_ok());
        ASSERT_TRUE(std::holds_alternative<pairing_failure>(r));
        EXPECT_EQ(std::get<pairing_failure>(r).reason, pairing_refusal::wrong_secret);
    }
    auto r = reg_->redeem_pairing_code(code->id, code->secret, t0, issue_ok());
    ASSERT_TRUE(std::holds_alternative<pairing_failure>(r));
    EXPECT_EQ(std::get<pairing_failure>(r).reason, pairing_refusal::exhausted);
    EXPECT_TRUE(reg_->devices().empty());
}

TEST_F(registry_test, unknown_code_and_failed_signing_change_nothing) {
    auto r = reg_->redeem_pairing_code("0000000000000000", "x", t0, issue_ok());
    EXPECT_EQ(std::get<pairing_failure>(r).reason, pairing_refusal::unknown_code);
    auto code = reg_->create_pairing_code("printer1", t0);
    auto bad = reg_->redeem_pairing_code(code->id, code->secret, t0, [](const std::string&) {
        return identity_result<issued_certificate>(identity_error{"bad CSR"});
    });
    EXPECT_EQ(std::get<pairing_failure>(bad).reason, pairing_refusal::signing);
    EXPECT_TRUE(reg_->devices().empty());
    // The code is still good after a signing failure.
    auto good = reg_->redeem_pairing_code(code->id, code->secret, t0, issue_ok());
    EXPECT_TRUE(std::holds_alternative<registry::paired>(good));
}

TEST_F(registry_test, names_are_dns_labels_and_unique_among_live_devices) {
    EXPECT_FALSE(reg_->create_pairing_code("Printer", t0));
    EXPECT_FALSE(reg_->create_pairing_code("-a", t0));
    EXPECT_FALSE(reg_->create_pairing_code(std::string(64, 'a'), t0));
    EXPECT_FALSE(reg_->create_pairing_code("a.b", t0));
    auto code = reg_->create_pairing_code("printer1", t0);
    reg_->redeem_pairing_code(code->id, code->secret, t0, issue_ok());
    EXPECT_FALSE(reg_->create_pairing_code("printer1", t0));
}

TEST_F(registry_test, revocation_is_for_good_and_bumps_the_generation) {
    auto code = reg_->create_pairing_code("printer1", t0);
    std::string id;
    reg_->redeem_pairing_code(code->id, code->secret, t0, issue_ok("s1", &id));
    auto g0 = reg_->revocation_generation();
    auto revoked = reg_->revoke("printer1", t0 + 1h);
    ASSERT_TRUE(revoked) << revoked.message();
    EXPECT_EQ(reg_->revocation_generation(), g0 + 1);
    EXPECT_FALSE(reg_->admits(id, "s1", t0 + 2h));
    EXPECT_FALSE(reg_->record_certificate(id, "s2", t0 + 40 * 24h, t0 + 2h));
    EXPECT_FALSE(reg_->find_by_name("printer1"));
    EXPECT_TRUE(reg_->find_by_id(id)->revoked_at);
    EXPECT_FALSE(reg_->revoke("printer1", t0 + 2h));
    // The name may be paired again: a new device id, the old one stays revoked.
    auto code2 = reg_->create_pairing_code("printer1", t0 + 3h);
    ASSERT_TRUE(code2);
    std::string id2;
    reg_->redeem_pairing_code(code2->id, code2->secret, t0 + 3h, issue_ok("s3", &id2));
    EXPECT_NE(id, id2);
    EXPECT_FALSE(reg_->admits(id, "s1", t0 + 4h));
    EXPECT_EQ(reg_->devices(true).size(), 2u);
}

TEST_F(registry_test, a_second_connection_sees_the_first_ones_writes) {
    auto other = registry::open(dir_ / "registry.db");
    ASSERT_TRUE(other);
    auto code = (*other)->create_pairing_code("printer1", t0);
    std::string id;
    auto r = reg_->redeem_pairing_code(code->id, code->secret, t0, issue_ok("s1", &id));
    ASSERT_TRUE(std::holds_alternative<registry::paired>(r));
    auto g = reg_->revocation_generation();
    ASSERT_TRUE((*other)->revoke("printer1", t0));
    EXPECT_EQ(reg_->revocation_generation(), g + 1);
    EXPECT_FALSE(reg_->admits(id, "s1", t0));
}

TEST_F(registry_test, renewed_certificates_are_admitted_too) {
    auto code = reg_->create_pairing_code("printer1", t0);
    std::string id;
    reg_->redeem_pairing_code(code->id, code->secret, t0, issue_ok("s1", &id));
    ASSERT_TRUE(reg_->record_certificate(id, "s2", t0 + 100 * 24h, t0 + 40 * 24h));
    EXPECT_TRUE(reg_->admits(id, "s2", t0 + 80 * 24h));
    EXPECT_EQ(*reg_->find_by_id(id)->certificate_expires, t0 + 100 * 24h);
}

}  // namespace
}  // namespace printgate::relay
