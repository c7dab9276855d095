// The login gate in the real printgate-relay, driven over HTTPS like a browser: set-up
// link -> owner -> TOTP enrolment -> sign-in -> the device host admits; everything that
// must be refused is (no session, cross-site, wrong code, wrong key scope, rate limits).
#include <sqlite3.h>

#include <csignal>

#include "login_fixture.hpp"

namespace printgate::testing {
namespace {

using relay_login = login_fixture;

// A device host's answer once the gate has let the request through: the relay's own "no
// such printer" page (no device is paired in these tests), never a sign-in redirect.
bool admitted(const http_response& r) {
    return r.status == 404 && r.body.find("No such printer") != std::string::npos;
}

TEST_F(relay_login, setup_link_enrolment_sign_in_and_the_printer_opens) {
    browser_client b;
    // Before anything, the printer's address leads to the sign-in page, with the way back.
    auto before = b.get(device("printer1", "/files?x=1"));
    ASSERT_EQ(before.status, 303) << before.body << before.raw_error;
    EXPECT_EQ(before.header("Location"), apex("/signin?device=printer1&path=%2Ffiles%3Fx%3D1"));

    create_owner(b);
    sign_in_and_enroll(b);
    EXPECT_TRUE(b.cookie("localhost", "__Host-printgate"));
    EXPECT_TRUE(b.cookie("localhost", "__Host-printgate-device"));

    // The apex cookie is host-only: the printer's host still wants a sign-in ...
    EXPECT_EQ(b.get(device("printer1")).status, 303);
    // ... until the hand-off sets its own cookie for the same session.
    auto entered = enter_device(b, "printer1", "/files?x=1");
    EXPECT_EQ(entered.status, 303) << entered.body;
    EXPECT_EQ(entered.header("Location"), "/files?x=1");
    EXPECT_NE(entered.header("Set-Cookie").find("__Host-printgate="), std::string::npos);
    EXPECT_NE(entered.header("Set-Cookie").find("Secure; HttpOnly; SameSite=Lax; Path=/"), std::string::npos);
    EXPECT_EQ(entered.header("Set-Cookie").find("Domain"), std::string::npos);
    EXPECT_TRUE(admitted(b.get(device("printer1", "/files?x=1"))));
    // A ticket is good once: whoever sees the URL afterwards (history, a log) gets nothing.
    auto location = b.get(apex("/continue?device=printer1&path=%2F")).header("Location");
    EXPECT_NE(b.get(location).header("Set-Cookie"), "");
    browser_client later;
    auto replay = later.get(location);
    EXPECT_EQ(replay.status, 303);
    EXPECT_EQ(replay.header("Set-Cookie"), "");
    EXPECT_EQ(replay.header("Location").rfind(apex("/signin"), 0), 0U);

    // Signing out on the apex ends the session everywhere.
    auto account = b.get(apex("/"));
    ASSERT_EQ(account.status, 200);
    auto csrf = between(account.body, "name=\"csrf\" value=\"", "\"");
    auto out = b.post(apex("/signout"), {{"csrf", csrf}});
    EXPECT_EQ(out.status, 303);
    EXPECT_EQ(out.header("Location"), "/signin");
    EXPECT_FALSE(b.cookie("localhost", "__Host-printgate"));
    EXPECT_EQ(b.get(device("printer1")).status, 303);
}

TEST_F(relay_login, the_setup_link_works_once_and_pages_carry_security_headers) {
    browser_client b;
    auto wrong = b.get(apex("/setup?token=" + std::string(64, '0')));
    EXPECT_EQ(wrong.status, 404);
    create_owner(b);
    auto again = b.get(setup_link_);
    EXPECT_EQ(again.status, 404);
    auto page = b.get(apex("/signin"));
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.header("Strict-Transport-Security"), "max-age=31536000; includeSubDomains");
    EXPECT_NE(page.header("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_NE(page.header("Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(page.header("Referrer-Policy"), "same-origin");
    EXPECT_EQ(page.header("Cache-Control"), "no-store");
}

TEST_F(relay_login, the_browser_listener_speaks_tls_1_2_and_1_3_only) {
    const auto request = "GET /signin HTTP/1.1\r\nHost: localhost:" + std::to_string(relay_.https_port()) +
                         "\r\nConnection: close\r\n\r\n";
    EXPECT_EQ(https_exchange(relay_.https_port(), "localhost", request, {}, TLS1_3_VERSION).status, 200);
    EXPECT_EQ(https_exchange(relay_.https_port(), "localhost", request, {}, TLS1_2_VERSION).status, 200);
    auto old = https_exchange(relay_.https_port(), "localhost", request, {}, TLS1_1_VERSION);
    EXPECT_EQ(old.status, 0);
    EXPECT_FALSE(old.raw_error.empty());
}

TEST_F(relay_login, without_a_session_pages_redirect_and_api_calls_get_401) {
    browser_client b;
    EXPECT_EQ(b.get(device("printer1", "/")).status, 303);
    auto api = b.get(device("printer1", "/api/job"));
    EXPECT_EQ(api.status, 401);
    EXPECT_NE(api.header("Content-Type").find("application/json"), std::string::npos);
    auto json = b.get(device("printer1", "/state"), {{"Accept", "application/json"}});
    EXPECT_EQ(json.status, 401);
    // A forged cookie is no session either.
    b.set_cookie("printer1.localhost", "__Host-printgate", std::string(43, 'A'));
    EXPECT_EQ(b.get(device("printer1", "/api/job")).status, 401);
}

TEST_F(relay_login, cross_site_posts_and_websockets_are_refused) {
    browser_client b;
    create_owner(b);
    sign_in_and_enroll(b);
    ASSERT_EQ(enter_device(b, "printer1").status, 303);
    auto evil = b.post(device("printer1", "/api/job"), {{"command", "cancel"}},
                       {{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}}, false);
    EXPECT_EQ(evil.status, 403) << evil.body;
    const auto printer2_origin = "https://printer2.localhost:" + std::to_string(relay_.https_port());
    auto sibling = b.post(device("printer1", "/api/job"), {}, {{"Origin", printer2_origin}}, false);
    EXPECT_EQ(sibling.status, 403);
    auto ws = b.get(device("printer1", "/ws"), {{"Upgrade", "websocket"},
                                                 {"Connection", "Upgrade"},
                                                 {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                                                 {"Sec-WebSocket-Version", "13"},
                                                 {"Origin", "https://evil.example"}});
    EXPECT_EQ(ws.status, 403);
    EXPECT_TRUE(admitted(b.post(device("printer1", "/api/job"), {{"command", "cancel"}})));
    // The relay's own forms: a sign-in posted from elsewhere, or with no origin at all.
    browser_client other;
    EXPECT_EQ(other.post(apex("/signin"), {{"name", "jane"}, {"password", owner_password}},
                         {{"Origin", "https://evil.example"}}, false).status, 403);
    EXPECT_EQ(other.post(apex("/signin"), {{"name", "jane"}, {"password", owner_password}}, {}, false).status, 403);
}

TEST_F(relay_login, wrong_or_replayed_codes_are_rejected) {
    browser_client b;
    create_owner(b);
    sign_in_and_enroll(b);
    browser_client second;
    auto r = second.post(apex("/signin"), {{"name", "jane"}, {"password", owner_password}});
    ASSERT_EQ(r.status, 303);
    auto bad = second.post(apex("/second-factor"), {{"code", "000000"}});
    if (bad.status != 401) {
        ADD_FAILURE() << "000000 was accepted?";
    }
    EXPECT_NE(bad.body.find("not correct"), std::string::npos) << bad.body;
    // The enrolment's code again: refused, it was used.
    auth::totp rules;
    auto replay = second.post(apex("/second-factor"), {{"code", rules.code_at_step(secret_, *last_step_)}});
    EXPECT_EQ(replay.status, 401);
    auto ok = second.post(apex("/second-factor"), {{"code", next_code()}});
    EXPECT_EQ(ok.status, 303) << ok.body;
    // A wrong password gets the same answer as an unknown name.
    browser_client third;
    auto wrong_password = third.post(apex("/signin"), {{"name", "jane"}, {"password", "not the password at all"}});
    auto unknown = third.post(apex("/signin"), {{"name", "nobody"}, {"password", "not the password at all"}});
    EXPECT_EQ(wrong_password.status, 401);
    EXPECT_EQ(unknown.status, 401);
    EXPECT_EQ(between(wrong_password.body, "role=\"alert\">", "<"), between(unknown.body, "role=\"alert\">", "<"));
}

TEST_F(relay_login, repeated_failures_get_429_with_retry_after_but_the_owner_device_gets_in) {
    browser_client b;
    create_owner(b);
    sign_in_and_enroll(b);
    // Someone else guessing, from another loopback address.
    browser_client attacker("127.0.0.9");
    http_response last;
    int attempts = 0;
    for (; attempts < 12; ++attempts) {
        last = attacker.post(apex("/signin"), {{"name", "jane"}, {"password", "guess number " + std::to_string(attempts)}});
        if (last.status == 429) break;
        ASSERT_EQ(last.status, 401) << last.body;
    }
    ASSERT_EQ(last.status, 429) << "never limited";
    EXPECT_GE(std::stoi(last.header("Retry-After")), 1);
    EXPECT_LE(attempts, 10);
    // The owner's browser signed in before (its device cookie): not held back.
    auto owner = b.post(apex("/signin"), {{"name", "jane"}, {"password", owner_password}});
    EXPECT_EQ(owner.status, 303) << owner.body;
}

// The owner's stored PHC string, read straight from the relay's auth.db.
std::string stored_phc(const std::filesystem::path& state_dir) {
    sqlite3* db = nullptr;
    std::string phc;
    if (sqlite3_open_v2((state_dir / "auth.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT password_phc FROM users WHERE name = 'jane'", -1, &st, nullptr) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            phc = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return phc;
}

TEST_F(relay_login, relay_toml_sets_the_login_limits_and_argon2_cost_and_passwords_follow_at_sign_in) {
    browser_client b;
    create_owner(b);
    sign_in_and_enroll(b);
    EXPECT_EQ(stored_phc(relay_.state_dir()).rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u)
        << stored_phc(relay_.state_dir());

    // Cheaper hashing and a sign-in bucket of 2 a minute per address.
    relay_.kill();
    relay_.start("[login]\nargon2_memory_mib = 19\nargon2_iterations = 2\nsign_in_burst = 2\n"
                 "sign_in_refill_seconds = 60\n");
    browser_client fresh;
    auto r = fresh.post(apex("/signin"), {{"name", "jane"}, {"password", owner_password}});
    ASSERT_EQ(r.status, 303) << r.body;
    // The password was rehashed with the new parameters when it was last checked.
    EXPECT_EQ(stored_phc(relay_.state_dir()).rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u)
        << stored_phc(relay_.state_dir());
    browser_client other("127.0.0.7");
    EXPECT_EQ(other.post(apex("/signin"), {{"name", "jane"}, {"password", "wrong guess one"}}).status, 401);
    EXPECT_EQ(other.post(apex("/signin"), {{"name", "jane"}, {"password", "wrong guess two"}}).status, 401);
    EXPECT_EQ(other.post(apex("/signin"), {{"name", "jane"}, {"password", "wrong guess three"}}).status, 429);

    // A mistake in the file stops the relay with the key named, before it listens.
    relay_.kill();
    auto config = relay_.state_dir().parent_path() / "bad.toml";
    write_file(config, "[login]\nargon2_memory_mib = 1\n");
    child_process bad({PRINTGATE_RELAY_BIN, "serve", "--demo", "--state-dir", relay_.state_dir().string(), "--config",
                       config.string()},
                      (relay_.state_dir().parent_path() / "bad.out").string(),
                      (relay_.state_dir().parent_path() / "bad.err").string());
    auto status = bad.wait(std::chrono::seconds(30));
    ASSERT_TRUE(status);
    EXPECT_NE(*status, 0);
    EXPECT_NE(bad.err().find("login.argon2_memory_mib"), std::string::npos) << bad.err();
}

TEST_F(relay_login, api_keys_admit_slicers_within_their_scopes) {
    browser_client b;
    create_owner(b);
    sign_in_and_enroll(b);
    auto page = b.get(apex("/api-keys"));
    ASSERT_EQ(page.status, 200);
    auto csrf = between(page.body, "name=\"csrf\" value=\"", "\"");
    auto created = b.post(apex("/api-keys"), {{"csrf", csrf}, {"device", "printer1"}, {"scope", "read"},
                                              {"scope", "upload"}, {"label", "slicer"}});
    ASSERT_EQ(created.status, 200) << created.body;
    auto key = between(created.body, "id=\"api-key\">", "</code>");
    ASSERT_EQ(key.rfind("pgk_", 0), 0U) << created.body;
    // Shown once: the list has only its public part.
    EXPECT_EQ(b.get(apex("/api-keys")).body.find(key), std::string::npos);
    // A form without the CSRF token is refused.
    EXPECT_EQ(b.post(apex("/api-keys"), {{"device", "printer1"}, {"scope", "control"}}).status, 403);

    browser_client slicer;
    EXPECT_TRUE(admitted(slicer.get(device("printer1", "/api/job"), {{"X-Api-Key", key}})));
    EXPECT_TRUE(admitted(slicer.send("POST", device("printer1", "/api/files/local"), "G28\n", {{"X-Api-Key", key}})));
    EXPECT_EQ(slicer.send("POST", device("printer1", "/api/job"), "{}", {{"X-Api-Key", key}}).status, 403);
    EXPECT_EQ(slicer.get(device("printer2", "/api/job"), {{"X-Api-Key", key}}).status, 403);
    EXPECT_EQ(slicer.get(device("printer1", "/api/job"), {{"X-Api-Key", key + "x"}}).status, 401);
}

TEST_F(relay_login, password_change_ends_every_other_session) {
    browser_client b;
    create_owner(b);
    sign_in_and_enroll(b);
    ASSERT_EQ(enter_device(b, "printer1").status, 303);
    auto page = b.get(apex("/password"));
    auto csrf = between(page.body, "name=\"csrf\" value=\"", "\"");
    const std::string fresh = "copper lantern meadow quartz";
    auto weak = b.post(apex("/password"), {{"csrf", csrf}, {"current", owner_password}, {"password", "password1234"},
                                           {"confirm", "password1234"}});
    EXPECT_EQ(weak.status, 400);
    auto changed = b.post(apex("/password"),
                          {{"csrf", csrf}, {"current", owner_password}, {"password", fresh}, {"confirm", fresh}});
    ASSERT_EQ(changed.status, 200) << changed.body;
    // The printer host held the old session: gone.
    EXPECT_EQ(b.get(device("printer1")).status, 303);
    // The apex has the new one.
    EXPECT_EQ(b.get(apex("/")).status, 200);
    auto sessions = b.get(apex("/sessions"));
    EXPECT_NE(sessions.body.find("(this one)"), std::string::npos);
    auto audit = b.get(apex("/audit"));
    EXPECT_NE(audit.body.find("password_changed"), std::string::npos);
    EXPECT_NE(audit.body.find("totp_enrolled"), std::string::npos);
    EXPECT_EQ(audit.body.find(owner_password), std::string::npos);
}

TEST_F(relay_login, user_commands_add_list_disable_and_reset) {
    browser_client b;
    create_owner(b);
    sign_in_and_enroll(b);
    ASSERT_EQ(enter_device(b, "printer1").status, 303);
    auto list = relay_.cli({"user", "list"});
    EXPECT_EQ(list.status, 0) << list.err;
    EXPECT_NE(list.out.find("jane  owner  active  2fa"), std::string::npos) << list.out;

    // `user add` reads the password from stdin.
    auto script = dir_ / "add.sh";
    write_file(script, "printf '%s\\n' 'copper lantern meadow quartz' | \"$@\"\n");
    child_process add({"/bin/sh", script.string(), PRINTGATE_RELAY_BIN, "user", "add", "bob", "--demo",
                       "--state-dir", relay_.state_dir().string()},
                      dir_ / "add.out", dir_ / "add.err");
    ASSERT_EQ(add.wait(std::chrono::seconds(60)), 0) << add.err();
    auto weak = relay_.cli({"user", "add", "carol"});  // empty password from /dev/null
    EXPECT_NE(weak.status, 0);
    list = relay_.cli({"user", "list", "--json"});
    EXPECT_NE(list.out.find("\"bob\""), std::string::npos);
    EXPECT_EQ(list.out.find("copper"), std::string::npos);

    auto disabled = relay_.cli({"user", "disable", "jane"});
    EXPECT_EQ(disabled.status, 0) << disabled.err;
    EXPECT_EQ(b.get(device("printer1")).status, 303);
    EXPECT_EQ(relay_.cli({"user", "disable", "jane", "--enable"}).status, 0);
    auto reset = relay_.cli({"user", "reset-2fa", "jane"});
    EXPECT_EQ(reset.status, 0) << reset.err;
    browser_client again;
    auto r = again.post(apex("/signin"), {{"name", "jane"}, {"password", owner_password}});
    EXPECT_EQ(r.header("Location"), "/enroll");
}

TEST_F(relay_login, the_relay_reports_its_hashing_work_when_it_stops) {
    browser_client b;
    create_owner(b);
    b.post(apex("/signin"), {{"name", "jane"}, {"password", "wrong password entirely"}});
    relay_.stop();
    EXPECT_NE(relay_.out().find("printgate-relay stats sign_in_attempts=1 hashes="), std::string::npos)
        << relay_.out();
}

}  // namespace
}  // namespace printgate::testing
