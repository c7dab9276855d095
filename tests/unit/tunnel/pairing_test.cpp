#include "printgate/tunnel/pairing_code.hpp"

#include <gtest/gtest.h>

#include "printgate/tunnel/control.hpp"
#include "printgate/tunnel/pairing.hpp"
#include "printgate/tunnel/pairing_messages.hpp"
#include "temp_dir.hpp"

namespace printgate::tunnel {
namespace {

const std::string id(16, 'a');
const std::string secret = "0123456789abcdef0123456789abcdef";
const std::string fp(64, 'f');

TEST(pairing_code, round_trips_dns_ipv4_and_ipv6_hosts) {
    for (std::string host : {"relay.example.com", "127.0.0.1", "::1"}) {
        pairing_code code{id, secret, fp, host, 7443};
        auto text = format_pairing_code(code);
        auto parsed = parse_pairing_code("  " + text + "\n");
        ASSERT_TRUE(parsed) << text << ": " << parsed.message();
        EXPECT_EQ(parsed->host, host);
        EXPECT_EQ(parsed->port, 7443);
        EXPECT_EQ(parsed->code_id, id);
        EXPECT_EQ(parsed->secret, secret);
        EXPECT_EQ(parsed->fingerprint, fp);
    }
    EXPECT_EQ(format_pairing_code({id, secret, fp, "::1", 9}), "pg1." + id + "." + secret + "." + fp + ".[::1]:9");
}

TEST(pairing_code, malformed_codes_say_which_part_is_wrong) {
    auto good = "pg1." + id + "." + secret + "." + fp + ".relay.example.com:7443";
    ASSERT_TRUE(parse_pairing_code(good));
    struct bad_case {
        std::string text;
        std::string says;
    };
    std::vector<bad_case> cases{
        {"", "pg1"},
        {"pg2." + good.substr(4), "pg1"},
        {"pg1." + id.substr(1) + "." + secret + "." + fp + ".h:1", "id"},
        {"pg1." + id + ".XYZ." + fp + ".h:1", "secret"},
        {"pg1." + id + "." + secret + "." + fp.substr(2) + ".h:1", "fingerprint"},
        {"pg1." + id + "." + secret + "." + fp + ".h", "port"},
        {"pg1." + id + "." + secret + "." + fp + ".h:0", "port"},
        {"pg1." + id + "." + secret + "." + fp + ".h:65536", "port"},
        {"pg1." + id + "." + secret + "." + fp + ".h:12a", "port"},
        {"pg1." + id + "." + secret + "." + fp + ".bad_host:1", "host"},
        {"pg1." + id + "." + secret + "." + fp + ".:1", "host"},
        {good + std::string(400, 'x'), "too long"},
    };
    for (const auto& c : cases) {
        auto parsed = parse_pairing_code(c.text);
        ASSERT_FALSE(parsed) << c.text;
        EXPECT_NE(parsed.message().find(c.says), std::string::npos) << c.text << " -> " << parsed.message();
    }
}

TEST(pairing_messages, request_and_response_round_trip) {
    pair_request req{id, secret, "-----BEGIN CERTIFICATE REQUEST-----\n...", "0.1.0"};
    auto line = to_line(req);
    ASSERT_EQ(line.back(), '\n');
    auto back = parse_pair_request(line);
    ASSERT_TRUE(back) << back.message();
    EXPECT_EQ(back->csr_pem, req.csr_pem);
    EXPECT_EQ(back->secret, secret);

    pair_response ok;
    ok.ok = true;
    ok.device_id = "d1";
    ok.name = "printer1";
    ok.certificate_pem = "C";
    ok.ca_pem = "A";
    auto r = parse_pair_response(to_line(ok));
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->ok);
    EXPECT_EQ(r->name, "printer1");
    pair_response no;
    no.reason = "expired";
    no.message = "this pairing code has expired";
    auto n = parse_pair_response(to_line(no));
    ASSERT_TRUE(n);
    EXPECT_FALSE(n->ok);
    EXPECT_EQ(n->reason, "expired");
}

TEST(pairing_messages, bad_lines_are_refused) {
    EXPECT_FALSE(parse_pair_request("{"));
    EXPECT_FALSE(parse_pair_request("[]"));
    EXPECT_FALSE(parse_pair_request(R"({"type":"pair_result"})"));
    EXPECT_FALSE(parse_pair_request(R"({"type":"pair_request","code":1,"secret":"s","csr":"c"})"));
    EXPECT_FALSE(parse_pair_request(std::string(max_pairing_line + 1, ' ')));
    EXPECT_FALSE(parse_pair_response(R"({"type":"pair_result","ok":true})"));
    EXPECT_FALSE(parse_pair_response(R"({"type":"pair_result","ok":"yes"})"));
}

TEST(pairing, a_malformed_code_fails_before_any_network_and_writes_nothing) {
    testing::temp_dir dir;
    auto r = pair_with_relay_blocking("pg1.nope", dir / "edge", std::chrono::seconds(5));
    ASSERT_FALSE(r);
    EXPECT_FALSE(std::filesystem::exists(dir / "edge"));
}

TEST(pairing, unpaired_directory_is_a_clear_error) {
    testing::temp_dir dir;
    auto id = load_edge_identity(dir.path());
    ASSERT_FALSE(id);
    EXPECT_NE(id.message().find("not paired"), std::string::npos);
}

TEST(control, renewal_is_due_at_two_thirds_of_the_life) {
    wall_time start{std::chrono::hours(1000)};
    auto due = renewal_due(start, start + std::chrono::hours(24 * 60));
    EXPECT_EQ(due - start, std::chrono::hours(24 * 40));
}

TEST(control, lines_must_be_objects_with_a_type) {
    EXPECT_TRUE(parse_control_line(R"({"type":"hello"})"));
    EXPECT_FALSE(parse_control_line(R"({"type":1})"));
    EXPECT_FALSE(parse_control_line("null"));
    EXPECT_FALSE(parse_control_line(std::string(max_control_line + 1, ' ')));
}

}  // namespace
}  // namespace printgate::tunnel
