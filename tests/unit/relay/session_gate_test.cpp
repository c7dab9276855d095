// The real gate on a real auth database (temporary directory), with manual clocks and
// seeded randomness: who is admitted to a device host, who is sent to sign in, who gets
// 401 or 403, API key scopes, the apex-to-device hand-off, and the idle timeout.
#include <gtest/gtest.h>

#include <printgate/auth/cookies.hpp>

#include "hand_off.hpp"
#include "session_gate.hpp"
#include "temp_dir.hpp"

namespace {

using namespace printgate::relay;
namespace auth = printgate::auth;
using namespace std::chrono_literals;

std::string header(const http_reply& r, std::string_view name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return {};
}

class relay_session_gate : public ::testing::Test {
protected:
    void SetUp() override {
        auth_settings settings;
        settings.zone = "localhost";
        settings.argon2 = auth::argon2_params{64, 1, 1, 16, 32};
        settings.hashing = {1, 2};
        auto opened = auth_service::open(dir_.path(), settings, {wall_, steady_, random_});
        ASSERT_TRUE(opened.ok()) << opened.message();
        auth_ = std::move(opened.value());
        auto user = auth_->flow.create_account("jane", "tram velvet oxide harbour", auth::user_role::owner, {});
        ASSERT_TRUE(user.ok()) << user.message();
        user_id_ = user->id;
        auto session = auth_->sessions.create(user_id_, auth::session_state::full, "127.0.0.1", "test");
        ASSERT_TRUE(session.ok());
        token_ = session->token;
        gate_.emplace(*auth_, "localhost");
    }

    using fields = std::vector<std::pair<std::string, std::string>>;
    struct request {
        explicit request(std::string m = "GET", std::string t = "/", fields h = {}, std::string d = "printer1",
                         bool ws = false)
            : method(std::move(m)), target(std::move(t)), device(std::move(d)), websocket(ws), headers(std::move(h)) {}
        std::string method;
        std::string target;
        std::string device;
        bool websocket;
        fields headers;
    };

    gate_decision decide(const request& r) {
        std::vector<header_field> fields;
        for (const auto& [n, v] : r.headers) fields.push_back({n, v});
        const std::string host = r.device + ".localhost:8443";
        request_view view;
        view.method = r.method;
        view.target = r.target;
        view.host = host;
        view.device = r.device;
        view.websocket_upgrade = r.websocket;
        view.headers = fields;
        peer_info peer;
        peer.address = boost::asio::ip::make_address("127.0.0.1");
        return gate_->decide(view, peer);
    }

    request with_session(request r) {
        r.headers.emplace_back("Cookie", "other=1; " + std::string(auth::session_cookie_name) + "=" + token_);
        return r;
    }

    printgate::testing::temp_dir dir_;
    auth::manual_wall_clock wall_;
    printgate::manual_clock steady_;
    auth::seeded_random_source random_{42};
    std::unique_ptr<auth_service> auth_;
    std::optional<session_gate> gate_;
    std::int64_t user_id_ = 0;
    std::string token_;
};

TEST_F(relay_session_gate, a_full_session_is_admitted_as_its_user) {
    auto d = decide(with_session(request()));
    EXPECT_TRUE(d.admitted);
    EXPECT_EQ(d.user, "jane");
}

TEST_F(relay_session_gate, a_page_without_a_session_is_sent_to_sign_in_with_the_way_back) {
    auto d = decide(request("GET", "/files?sort=name"));
    ASSERT_FALSE(d.admitted);
    EXPECT_EQ(d.refusal.status, 303U);
    EXPECT_EQ(header(d.refusal, "Location"),
              "https://localhost:8443/signin?device=printer1&path=%2Ffiles%3Fsort%3Dname");
}

TEST_F(relay_session_gate, an_api_call_without_a_session_gets_401) {
    auto api = decide(request("GET", "/api/job"));
    EXPECT_EQ(api.refusal.status, 401U);
    EXPECT_EQ(api.refusal.content_type, "application/json");
    auto json = decide(request("GET", "/status", fields{{"Accept", "application/json"}}));
    EXPECT_EQ(json.refusal.status, 401U);
    auto ws = decide(request("GET", "/sockjs", fields{}, "printer1", true));
    EXPECT_EQ(ws.refusal.status, 401U);
    auto form = decide(request("POST", "/x", fields{{"Origin", "https://printer1.localhost:8443"}}));
    EXPECT_EQ(form.refusal.status, 401U);
}

TEST_F(relay_session_gate, a_half_signed_in_session_or_a_bad_cookie_is_not_enough) {
    auto half = auth_->sessions.create(user_id_, auth::session_state::password_ok, "127.0.0.1", "test");
    ASSERT_TRUE(half.ok());
    auto d = decide(request("GET", "/", fields{{"Cookie", "__Host-printgate=" + half->token}}));
    EXPECT_EQ(d.refusal.status, 303U);
    d = decide(request("GET", "/", fields{{"Cookie", "__Host-printgate=" + std::string(43, 'A')}}));
    EXPECT_EQ(d.refusal.status, 303U);
    // Cookie tossing: the name twice is not guessed at.
    d = decide(request("GET", "/", fields{{"Cookie", "__Host-printgate=" + token_ + "; __Host-printgate=x"}}));
    EXPECT_FALSE(d.admitted);
}

TEST_F(relay_session_gate, a_disabled_account_loses_its_sessions) {
    ASSERT_TRUE(auth_->users.set_disabled(user_id_, true).ok());
    EXPECT_FALSE(decide(with_session(request())).admitted);
}

TEST_F(relay_session_gate, cross_site_writes_and_websockets_are_refused_even_signed_in) {
    auto post = with_session(request("POST", "/api/job", fields{{"Origin", "https://evil.example"}}));
    EXPECT_EQ(decide(post).refusal.status, 403U);
    auto sibling = with_session(request("POST", "/x", fields{{"Sec-Fetch-Site", "same-site"}}));
    EXPECT_EQ(decide(sibling).refusal.status, 403U);
    auto ws = with_session(request("GET", "/ws", fields{{"Sec-Fetch-Site", "cross-site"}}, "printer1", true));
    EXPECT_EQ(decide(ws).refusal.status, 403U);
    auto fine = with_session(
        request("POST", "/api/job", fields{{"Origin", "https://printer1.localhost:8443"}}));
    EXPECT_TRUE(decide(fine).admitted);
}

TEST_F(relay_session_gate, api_keys_are_held_to_their_printer_and_scopes) {
    auto read = auth_->api_keys.create(user_id_, "printer1", {auth::api_scope::read}, "viewer");
    auto upload = auth_->api_keys.create(user_id_, "printer1", {auth::api_scope::upload}, "slicer");
    ASSERT_TRUE(read.ok() && upload.ok());
    auto get = decide(request("GET", "/api/job", fields{{"X-Api-Key", read->key}}));
    EXPECT_TRUE(get.admitted);
    EXPECT_EQ(get.user, "jane");
    auto post_with_read = decide(request("POST", "/api/files/local", fields{{"X-Api-Key", read->key}}));
    EXPECT_EQ(post_with_read.refusal.status, 403U);
    auto post_with_upload =
        decide(request("POST", "/api/files/local", fields{{"X-Api-Key", upload->key}}));
    EXPECT_TRUE(post_with_upload.admitted);
    auto control_with_upload = decide(request("POST", "/api/job", fields{{"X-Api-Key", upload->key}}));
    EXPECT_EQ(control_with_upload.refusal.status, 403U);
    auto other_printer = decide(request("GET", "/api/job", fields{{"X-Api-Key", read->key}}, "printer2"));
    EXPECT_EQ(other_printer.refusal.status, 403U);
    auto garbage = decide(request("GET", "/api/job", fields{{"X-Api-Key", "pgk_nothing"}}));
    EXPECT_EQ(garbage.refusal.status, 401U);
    ASSERT_TRUE(auth_->api_keys.revoke(user_id_, read->info.id).ok());
    EXPECT_EQ(decide(request("GET", "/api/job", fields{{"X-Api-Key", read->key}})).refusal.status, 401U);
}

TEST_F(relay_session_gate, scopes_follow_method_and_path) {
    EXPECT_EQ(needed_scope("GET", "/api/files", false), auth::api_scope::read);
    EXPECT_EQ(needed_scope("POST", "/api/files/local?x", false), auth::api_scope::upload);
    EXPECT_EQ(needed_scope("PUT", "/api/files", false), auth::api_scope::upload);
    EXPECT_EQ(needed_scope("DELETE", "/api/files/local/a.gcode", false), auth::api_scope::control);
    EXPECT_EQ(needed_scope("POST", "/api/filesx", false), auth::api_scope::control);
    EXPECT_EQ(needed_scope("GET", "/ws", true), auth::api_scope::control);
}

TEST_F(relay_session_gate, a_ticket_hands_the_session_to_the_device_host_once) {
    auto ticket = auth_->tickets.issue({token_, "printer1", "/files"});
    auto d = decide(request("GET", std::string(enter_path) + "?ticket=" + ticket));
    ASSERT_FALSE(d.admitted);
    EXPECT_EQ(d.refusal.status, 303U);
    EXPECT_EQ(header(d.refusal, "Location"), "/files");
    EXPECT_EQ(header(d.refusal, "Set-Cookie"), auth::session_cookie(token_));
    // Used up.
    auto again = decide(request("GET", std::string(enter_path) + "?ticket=" + ticket));
    EXPECT_EQ(header(again.refusal, "Location"), "https://localhost:8443/signin?device=printer1&path=%2F");
    EXPECT_TRUE(header(again.refusal, "Set-Cookie").empty());
}

TEST_F(relay_session_gate, a_ticket_is_for_one_printer_and_one_minute) {
    auto for_printer1 = auth_->tickets.issue({token_, "printer1", "/"});
    auto stolen = decide(request("GET", std::string(enter_path) + "?ticket=" + for_printer1, fields{}, "printer2"));
    EXPECT_TRUE(header(stolen.refusal, "Set-Cookie").empty());
    // The attempt on printer2 burnt it for printer1 too.
    EXPECT_TRUE(header(decide(request("GET", std::string(enter_path) + "?ticket=" + for_printer1)).refusal, "Set-Cookie")
                    .empty());
    auto late = auth_->tickets.issue({token_, "printer1", "/"});
    wall_.advance(60s);
    EXPECT_TRUE(header(decide(request("GET", std::string(enter_path) + "?ticket=" + late)).refusal, "Set-Cookie").empty());
    // A session revoked in between: the ticket leads nowhere.
    auto revoked = auth_->tickets.issue({token_, "printer1", "/"});
    ASSERT_TRUE(auth_->sessions.revoke(token_).ok());
    EXPECT_TRUE(header(decide(request("GET", std::string(enter_path) + "?ticket=" + revoked)).refusal, "Set-Cookie").empty());
}

TEST_F(relay_session_gate, unknown_browsers_share_only_one_round_of_hashing) {
    // hashing {1 running, 2 waiting}: a browser the account does not know gets one job at a
    // time; the queue behind it stays free for known devices.
    auto first = auth_->admit_unknown_sign_in();
    ASSERT_TRUE(first);
    EXPECT_FALSE(auth_->admit_unknown_sign_in());
    first.reset();
    EXPECT_TRUE(auth_->admit_unknown_sign_in());
    auto device = auth_->devices.remember(user_id_, "test");
    ASSERT_TRUE(device.ok());
    EXPECT_TRUE(auth_->is_known_device("jane", device->token));
    EXPECT_FALSE(auth_->is_known_device("jane", "not-a-token"));
    EXPECT_FALSE(auth_->is_known_device("nobody", device->token));
    EXPECT_FALSE(auth_->is_known_device("jane", ""));
}

TEST_F(relay_session_gate, traffic_through_the_gate_keeps_the_session_alive) {
    for (int i = 0; i < 4; ++i) {
        wall_.advance(25min);
        EXPECT_TRUE(decide(with_session(request())).admitted) << i;
    }
    wall_.advance(31min);
    EXPECT_FALSE(decide(with_session(request())).admitted);
}

}  // namespace
