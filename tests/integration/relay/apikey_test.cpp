// `printgate-relay apikey add|list|revoke` with the real binaries: a relay, a paired
// printgate-edge running the simulated printer, and HTTPS requests through the gate that
// carry X-Api-Key. A read key reads, is refused an upload, and is refused once revoked; bad
// arguments store nothing; the key is printed once and appears in no list and no log.
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "auth_service.hpp"
#include "login_fixture.hpp"
#include "pairing_fixture.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace printgate::testing {
namespace {

class apikey : public ::testing::Test, public gate_steps {
protected:
    temp_dir dir;
    relay_process relay{dir / "relay"};
    std::unique_ptr<child_process> edge;

    // The relay, the owner account "jane" (from the set-up link), printer1 paired and running.
    void start_all() {
        relay.start();
        attach(relay);
        browser_client owner;
        create_owner(owner);
        const auto code = relay.add_device("printer1");
        ASSERT_FALSE(code.empty());
        const auto edge_state = dir / "edge";
        child_process pair({PRINTGATE_EDGE_BIN, "pair", code, "--state-dir", edge_state.string()},
                           (dir / "pair.out").string(), (dir / "pair.err").string());
        auto paired = pair.wait(std::chrono::seconds(60));
        ASSERT_TRUE(paired && *paired == 0) << pair.err();
        edge = std::make_unique<child_process>(
            std::vector<std::string>{PRINTGATE_EDGE_BIN, "run", "--demo", "--state-dir", edge_state.string(),
                                     "--sim-binary", PRINTGATE_SIM_BIN, "--tunnel-backoff-max-ms", "500"},
            (dir / "edge.out").string(), (dir / "edge.err").string());
        ASSERT_TRUE(wait_until([&] { return edge->err().find("is up") != std::string::npos; },
                               std::chrono::seconds(60)))
            << edge->err() << "\n" << relay.log();
    }

    static std::string trimmed(std::string s) {
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        return s;
    }

    nlohmann::json list_json() {
        auto r = relay.cli({"apikey", "list", "--json"});
        EXPECT_EQ(r.status, 0) << r.err;
        return nlohmann::json::parse(r.out, nullptr, false);
    }

    http_response get_with(const std::string& key, const std::string& path) {
        browser_client program;
        return program.get(device("printer1", path), {{"X-Api-Key", key}});
    }
};

TEST_F(apikey, a_read_key_reads_is_refused_an_upload_and_is_refused_once_revoked) {
    start_all();
    if (HasFatalFailure()) return;

    // Bad arguments: exit 2 and nothing stored.
    EXPECT_EQ(relay.cli({"apikey", "add", "printer9", "--user", "jane", "--scope", "read"}).status, 2);
    EXPECT_EQ(relay.cli({"apikey", "add", "printer1", "--user", "nobody", "--scope", "read"}).status, 2);
    auto bad_scope = relay.cli({"apikey", "add", "printer1", "--user", "jane", "--scope", "read,admin"});
    EXPECT_EQ(bad_scope.status, 2);
    EXPECT_NE(bad_scope.err.find("--scope"), std::string::npos) << bad_scope.err;
    EXPECT_TRUE(bad_scope.out.empty()) << bad_scope.out;
    EXPECT_EQ(list_json().size(), 0u);

    auto added = relay.cli({"apikey", "add", "printer1", "--user", "jane", "--scope", "read", "--label", "slicer"});
    ASSERT_EQ(added.status, 0) << added.err;
    const auto key = trimmed(added.out);
    ASSERT_EQ(key.size(), auth::api_key_store::key_length) << added.out;
    ASSERT_EQ(key.rfind("pgk_", 0), 0u) << key;

    auto keys = list_json();
    ASSERT_EQ(keys.size(), 1u) << keys.dump();
    EXPECT_EQ(keys[0]["device"], "printer1");
    EXPECT_EQ(keys[0]["user"], "jane");
    EXPECT_EQ(keys[0]["scopes"], "read");
    EXPECT_EQ(keys[0]["label"], "slicer");
    EXPECT_EQ(keys[0]["revoked"], false);
    EXPECT_FALSE(keys[0].contains("last_used_at"));
    const auto id = keys[0]["id"].get<std::int64_t>();

    // Read scope: the edge answers through gate, relay and tunnel.
    auto version = get_with(key, "/api/version");
    ASSERT_EQ(version.status, 200) << version.body << version.raw_error << "\n" << relay.log();
    EXPECT_NE(version.body.find("OctoPrint"), std::string::npos) << version.body;
    EXPECT_TRUE(list_json()[0].contains("last_used_at"));

    // No upload scope: the gate refuses before the printer sees anything.
    browser_client program;
    auto upload = program.send("POST", device("printer1", "/api/files/local"),
                               "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.gcode\"\r\n\r\n"
                               "G28\n\r\n--b--\r\n",
                               {{"X-Api-Key", key}, {"Content-Type", "multipart/form-data; boundary=b"}});
    EXPECT_EQ(upload.status, 403) << upload.body;
    auto plain = relay.cli({"apikey", "list"});
    EXPECT_EQ(plain.status, 0);
    EXPECT_NE(plain.out.find("printer1"), std::string::npos) << plain.out;

    // A wrong key for the same id is refused too.
    auto wrong = key;
    wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(get_with(wrong, "/api/version").status, 401);

    auto revoked = relay.cli({"apikey", "revoke", std::to_string(id)});
    ASSERT_EQ(revoked.status, 0) << revoked.err;
    EXPECT_EQ(get_with(key, "/api/version").status, 401);
    EXPECT_EQ(list_json()[0]["revoked"], true);
    EXPECT_EQ(relay.cli({"apikey", "revoke", "999"}).status, 2);

    // The key went to the CLI's stdout once: no list, no log, no error stream has it.
    const auto secret = key.substr(key.find('.') + 1);
    EXPECT_EQ(relay.log().find(secret), std::string::npos);
    EXPECT_EQ(plain.out.find(secret), std::string::npos);
    EXPECT_EQ(added.err.find(secret), std::string::npos);
    EXPECT_EQ(edge->err().find(secret), std::string::npos);

    // Both events are in the audit log, named by account and device.
    relay::auth_settings settings;
    auto auth = relay::auth_service::open(relay.state_dir(), settings);
    ASSERT_TRUE(auth) << auth.message();
    auto entries = auth.value()->audit.query({});
    ASSERT_TRUE(entries) << entries.message();
    bool created = false, gone = false;
    for (const auto& e : entries.value()) {
        if (e.event == auth::audit_event::api_key_created && e.user_name == "jane" && e.detail == "printer1 read")
            created = true;
        if (e.event == auth::audit_event::api_key_revoked && e.detail == "key " + std::to_string(id)) gone = true;
    }
    EXPECT_TRUE(created);
    EXPECT_TRUE(gone);
    EXPECT_EQ(edge->stop(), 0) << edge->err();
}

TEST_F(apikey, revoking_the_device_revokes_its_keys_and_both_are_in_the_audit_log) {
    start_all();
    if (HasFatalFailure()) return;
    auto added = relay.cli({"apikey", "add", "printer1", "--user", "jane", "--scope", "read"});
    ASSERT_EQ(added.status, 0) << added.err;
    const auto key = trimmed(added.out);
    EXPECT_EQ(get_with(key, "/api/version").status, 200);

    auto revoked = relay.cli({"device", "revoke", "printer1"});
    ASSERT_EQ(revoked.status, 0) << revoked.err;
    EXPECT_NE(revoked.out.find("revoked its 1 API key"), std::string::npos) << revoked.out;
    EXPECT_EQ(list_json()[0]["revoked"], true);
    EXPECT_EQ(get_with(key, "/api/version").status, 401);

    relay::auth_settings settings;
    auto auth = relay::auth_service::open(relay.state_dir(), settings);
    ASSERT_TRUE(auth) << auth.message();
    auto entries = auth.value()->audit.query({});
    ASSERT_TRUE(entries) << entries.message();
    bool paired = false, gone = false;
    for (const auto& e : entries.value()) {
        if (e.event == auth::audit_event::device_paired && e.detail == "printer1" && e.client_address == "127.0.0.1")
            paired = true;
        if (e.event == auth::audit_event::device_revoked && e.detail == "printer1") gone = true;
    }
    EXPECT_TRUE(paired);
    EXPECT_TRUE(gone);
    edge->stop();
}

TEST_F(apikey, all_scopes_allow_an_upload) {
    start_all();
    if (HasFatalFailure()) return;
    auto added = relay.cli({"apikey", "add", "printer1", "--user", "jane", "--scope", "read,upload,control"});
    ASSERT_EQ(added.status, 0) << added.err;
    const auto key = trimmed(added.out);
    browser_client program;
    auto upload = program.send("POST", device("printer1", "/api/files/local"),
                               "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.gcode\"\r\n\r\n"
                               "G28\n\r\n--b--\r\n",
                               {{"X-Api-Key", key}, {"Content-Type", "multipart/form-data; boundary=b"}});
    EXPECT_EQ(upload.status / 100, 2) << upload.status << " " << upload.body << "\n" << relay.log();
    EXPECT_EQ(edge->stop(), 0) << edge->err();
}

}  // namespace
}  // namespace printgate::testing
