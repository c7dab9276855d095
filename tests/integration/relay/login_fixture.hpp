#pragma once
// The real printgate-relay (--demo, its own state directory) and a browser_client that has
// gone through the first-time set-up: the owner account from the printed set-up link, the
// mandatory TOTP enrolment (codes computed here from the secret the page shows), sign-in.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <string>

#include <printgate/auth/base32.hpp>
#include <printgate/auth/totp.hpp>

#include "browser_client.hpp"
#include "pairing_fixture.hpp"

namespace printgate::testing {

inline const std::string owner_password = "tram velvet oxide harbour";

// The steps, for any test that has a running relay_process (login tests, pairing tests).
class gate_steps {
public:
    // After relay.start(): waits for the set-up line.
    void attach(relay_process& relay) {
        relay_ptr_ = &relay;
        ASSERT_TRUE(wait_until([&] { return relay.out().find("printgate-relay setup ") != std::string::npos; },
                               std::chrono::seconds(30)))
            << relay.out() << relay.log();
        setup_link_ = between(relay.out(), "printgate-relay setup ", "\n");
    }

    std::string apex(const std::string& path = "/") const {
        return "https://localhost:" + std::to_string(relay_ptr_->https_port()) + path;
    }
    std::string device(const std::string& name, const std::string& path = "/") const {
        return "https://" + name + ".localhost:" + std::to_string(relay_ptr_->https_port()) + path;
    }

    // The set-up link, then the owner's account.
    void create_owner(browser_client& b, const std::string& name = "jane") {
        auto page = b.get(setup_link_);
        ASSERT_EQ(page.status, 200) << page.body << page.raw_error;
        auto token = setup_link_.substr(setup_link_.find("token=") + 6);
        auto created = b.post(apex("/setup"), {{"token", token}, {"name", name}, {"password", owner_password},
                                               {"confirm", owner_password}});
        ASSERT_EQ(created.status, 200) << created.body;
        ASSERT_NE(created.body.find("exists now"), std::string::npos) << created.body;
    }

    // Password, then the enrolment page's secret, then a code from it: a full session.
    void sign_in_and_enroll(browser_client& b, const std::string& name = "jane") {
        auto r = b.post(apex("/signin"), {{"name", name}, {"password", owner_password}});
        ASSERT_EQ(r.status, 303) << r.body;
        ASSERT_EQ(r.header("Location"), "/enroll");
        auto page = b.get(apex("/enroll"));
        ASSERT_EQ(page.status, 200) << page.body;
        auto text = between(page.body, "id=\"totp-secret\">", "</code>");
        auto secret = auth::base32_decode(text);
        ASSERT_TRUE(secret.ok()) << text;
        secret_ = secret.value();
        ASSERT_NE(page.body.find("<svg"), std::string::npos);
        auto done = b.post(apex("/enroll"), {{"code", next_code()}});
        ASSERT_EQ(done.status, 200) << done.body;
        ASSERT_NE(done.body.find("id=\"recovery-codes\""), std::string::npos);
        recovery_codes_ = done.body;
    }

    // A code of a step after the last one used (the relay never takes one twice).
    std::string next_code() {
        auth::totp rules;
        auto now = rules.step_at(std::chrono::system_clock::now());
        auto step = last_step_ ? std::max(*last_step_ + 1, now) : now;
        if (step > now + 1) {
            // Both near steps used: wait for the clock (only a test signing in three
            // times within 30 s gets here).
            std::this_thread::sleep_until(std::chrono::system_clock::time_point(rules.params().period * (step - 1)));
        }
        last_step_ = step;
        return rules.code_at_step(secret_, step);
    }

    // A signed-in browser's second sign-in (another browser, say).
    http_response sign_in(browser_client& b, const std::string& return_query = {}, const std::string& name = "jane") {
        auto r = b.post(apex("/signin" + return_query), {{"name", name}, {"password", owner_password}});
        EXPECT_EQ(r.status, 303) << r.body;
        EXPECT_EQ(r.header("Location").rfind("/second-factor", 0), 0U) << r.header("Location");
        return b.post(apex("/second-factor" + return_query), {{"code", next_code()}});
    }

    // From the apex to a device host: /continue hands out a ticket, the device host takes it.
    http_response enter_device(browser_client& b, const std::string& name, const std::string& path = "/") {
        auto go = b.get(apex("/continue?device=" + name + "&path=" + form_encode({{"", path}}).substr(1)));
        EXPECT_EQ(go.status, 303) << go.body;
        auto location = go.header("Location");
        EXPECT_EQ(location.rfind(device(name, "/.printgate/enter?ticket="), 0), 0U) << location;
        return b.get(location);
    }

    relay_process* relay_ptr_ = nullptr;
    std::string setup_link_;
    std::vector<std::uint8_t> secret_;
    std::optional<std::uint64_t> last_step_;
    std::string recovery_codes_;
};

class login_fixture : public ::testing::Test, public gate_steps {
protected:
    void SetUp() override {
        relay_.start();
        attach(relay_);
    }

    temp_dir dir_;
    relay_process relay_{dir_ / "state"};
};

}  // namespace printgate::testing
