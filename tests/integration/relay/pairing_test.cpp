// Pairing end to end against the real printgate-relay: `device add` prints a code, the edge
// library pairs with it, the device's tunnel comes up, and a browser request through the
// relay's HTTPS listener (signed in through the login gate) arrives on a stream the relay
// opened through that tunnel.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "login_fixture.hpp"
#include "pairing_fixture.hpp"
#include "printgate/tunnel/connector.hpp"
#include "printgate/tunnel/identity.hpp"
#include "printgate/tunnel/pairing.hpp"
#include "printgate/tunnel/pairing_code.hpp"

namespace printgate::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

class pairing_e2e : public ::testing::Test, public gate_steps {
protected:
    void SetUp() override {
        relay_.start();
        attach(relay_);
    }
    temp_dir dir_;
    relay_process relay_{dir_ / "relay-state"};
};

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
}

TEST_F(pairing_e2e, pairs_then_the_tunnel_carries_a_browser_request) {
    // The browser signs in first: nothing reaches a printer without the gate.
    browser_client b;
    create_owner(b);
    sign_in_and_enroll(b);
    ASSERT_EQ(enter_device(b, "printer1", "/hello").status, 303);
    const auto session = b.cookie("printer1.localhost", "__Host-printgate");
    ASSERT_TRUE(session);

    auto code = relay_.add_device("printer1");
    auto edge_dir = dir_ / "edge";
    auto paired = tunnel::pair_with_relay_blocking(code, edge_dir);
    ASSERT_TRUE(paired) << paired.message() << "\n" << relay_.log();
    EXPECT_EQ(paired->name, "printer1");
    EXPECT_EQ(mode_of(edge_dir / "device.key"), 0600u);
    auto stored = tunnel::load_edge_identity(edge_dir);
    ASSERT_TRUE(stored) << stored.message();
    EXPECT_EQ(stored->relay_port, relay_.tunnel_port());
    auto cert = tunnel::certificate_from_pem(stored->certificate_pem);
    ASSERT_TRUE(cert);
    EXPECT_EQ(tunnel::device_id_of(**cert), paired->device_id);

    auto listed = relay_.cli({"device", "list", "--json"});
    ASSERT_EQ(listed.status, 0) << listed.err;
    auto devices = nlohmann::json::parse(listed.out);
    ASSERT_EQ(devices.size(), 1u);
    EXPECT_EQ(devices[0]["name"], "printer1");
    EXPECT_EQ(devices[0]["id"], paired->device_id);
    EXPECT_FALSE(devices[0]["revoked"].get<bool>());

    // The edge's tunnel: a stream the relay opens is answered like an HTTP server would.
    net::io_context io;
    tunnel::connector_options options;
    options.state_dir = edge_dir;
    options.policy = {50ms, 200ms, 60s};
    std::string seen_request;
    options.on_stream = [&](common::any_stream s) {
        net::co_spawn(
            io,
            [&, s = std::move(s)]() mutable -> net::awaitable<void> {
                net::streambuf buf;
                auto [ec, n] = co_await net::async_read_until(s, buf, "\r\n\r\n", use_tuple);
                if (ec) co_return;
                seen_request.assign(net::buffers_begin(buf.data()), net::buffers_begin(buf.data()) + n);
                std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nhello edge\n";
                co_await net::async_write(s, net::buffer(reply), use_tuple);
                co_await s.async_shutdown(use_tuple);
            },
            net::detached);
    };
    auto connector = tunnel::connector::create(io.get_executor(), options);
    net::co_spawn(io, connector->run(), net::detached);
    ASSERT_TRUE(run_until(io, [&] { return connector->connected(); })) << relay_.log();

    // A browser: TLS to the relay's HTTPS port, Host printer1.localhost, its session cookie.
    net::ssl::context browser_tls(net::ssl::context::tls_client);
    browser_tls.set_verify_mode(net::ssl::verify_none);
    std::string response;
    bool done = false;
    net::co_spawn(
        io,
        [&]() -> net::awaitable<void> {
            net::ssl::stream<tcp::socket> s(io, browser_tls);
            std::string host = "printer1.localhost";
            SSL_set_tlsext_host_name(s.native_handle(), host.c_str());
            auto [cec] = co_await s.next_layer().async_connect(
                {net::ip::make_address("127.0.0.1"), relay_.https_port()}, use_tuple);
            if (!cec) {
                auto [hec] = co_await s.async_handshake(net::ssl::stream_base::client, use_tuple);
                if (!hec) {
                    std::string req = "GET /hello HTTP/1.1\r\nHost: printer1.localhost:" +
                                      std::to_string(relay_.https_port()) +
                                      "\r\nCookie: theme=dark; __Host-printgate=" + *session +
                                      "\r\nConnection: close\r\n\r\n";
                    co_await net::async_write(s, net::buffer(req), use_tuple);
                    net::streambuf buf;
                    auto [rec, n] = co_await net::async_read(s, buf, use_tuple);
                    (void)rec;
                    (void)n;
                    response.assign(net::buffers_begin(buf.data()), net::buffers_end(buf.data()));
                }
            }
            done = true;
        },
        net::detached);
    ASSERT_TRUE(run_until(io, [&] { return done; })) << relay_.log();
    EXPECT_NE(seen_request.find("GET /hello HTTP/1.1"), std::string::npos) << seen_request;
    EXPECT_NE(seen_request.find("X-Printgate-User: jane"), std::string::npos) << seen_request;
    // The device gets its own cookies, never the relay's session.
    EXPECT_NE(seen_request.find("Cookie: theme=dark"), std::string::npos) << seen_request;
    EXPECT_EQ(seen_request.find(*session), std::string::npos) << seen_request;
    EXPECT_NE(response.find("200"), std::string::npos) << response << "\n" << relay_.log();
    EXPECT_NE(response.find("hello edge"), std::string::npos) << response;
    connector->stop();
    run_until(io, [] { return false; }, 100ms);
}

TEST_F(pairing_e2e, a_code_works_once) {
    auto code = relay_.add_device("printer1");
    ASSERT_TRUE(tunnel::pair_with_relay_blocking(code, dir_ / "edge1"));
    auto again = tunnel::pair_with_relay_blocking(code, dir_ / "edge2");
    ASSERT_FALSE(again);
    EXPECT_NE(again.message().find("already used"), std::string::npos) << again.message();
    EXPECT_FALSE(std::filesystem::exists(dir_ / "edge2"));
}

TEST_F(pairing_e2e, wrong_secrets_use_up_the_attempts_and_write_nothing) {
    // Six tries from one address: more than the default per-address pairing bucket (5 a
    // minute), which this test is not about; the code's own count is.
    relay_.kill();
    relay_.start("[login]\npairing_burst = 20\n");
    auto code = relay_.add_device("printer1");
    auto parsed = tunnel::parse_pairing_code(code);
    ASSERT_TRUE(parsed);
    auto wrong = *parsed;
    wrong.secret = std::string(32, '0');
    for (int i = 0; i < 5; ++i) {
        auto r = tunnel::pair_with_relay_blocking(tunnel::format_pairing_code(wrong), dir_ / "edge");
        ASSERT_FALSE(r);
        EXPECT_NE(r.message().find("wrong pairing code"), std::string::npos) << r.message();
    }
    auto r = tunnel::pair_with_relay_blocking(code, dir_ / "edge");
    ASSERT_FALSE(r);
    EXPECT_NE(r.message().find("too many wrong attempts with this pairing code"), std::string::npos) << r.message();
    EXPECT_FALSE(std::filesystem::exists(dir_ / "edge"));
    auto listed = relay_.cli({"device", "list", "--json"});
    EXPECT_EQ(nlohmann::json::parse(listed.out).size(), 0u);
}

TEST_F(pairing_e2e, one_address_gets_a_few_pairing_attempts_a_minute_before_any_code_is_looked_at) {
    relay_.kill();
    relay_.start("[login]\npairing_burst = 2\npairing_refill_seconds = 3600\n");
    auto code = relay_.add_device("printer1");
    auto parsed = tunnel::parse_pairing_code(code);
    ASSERT_TRUE(parsed);
    auto wrong = *parsed;
    wrong.secret = std::string(32, '0');
    for (int i = 0; i < 2; ++i) {
        auto r = tunnel::pair_with_relay_blocking(tunnel::format_pairing_code(wrong), dir_ / "edge");
        ASSERT_FALSE(r);
        EXPECT_NE(r.message().find("wrong pairing code"), std::string::npos) << r.message();
    }
    // The bucket is empty: even the right code is refused, and its attempts are not spent.
    auto limited = tunnel::pair_with_relay_blocking(code, dir_ / "edge");
    ASSERT_FALSE(limited);
    EXPECT_NE(limited.message().find("too many pairing attempts from this address"), std::string::npos)
        << limited.message();
    EXPECT_FALSE(std::filesystem::exists(dir_ / "edge"));
    // A restart (same tunnel port, which the code names) empties the in-memory bucket; the
    // code still has 3 of its 5 attempts and works.
    const auto port = relay_.tunnel_port();
    relay_.kill();
    relay_.start("[tunnel]\nlisten = \"127.0.0.1:" + std::to_string(port) +
                 "\"\n[login]\npairing_burst = 2\npairing_refill_seconds = 3600\n");
    ASSERT_EQ(relay_.tunnel_port(), port);
    EXPECT_TRUE(tunnel::pair_with_relay_blocking(code, dir_ / "edge"));
}

TEST_F(pairing_e2e, a_relay_with_another_ca_is_not_trusted_and_learns_nothing) {
    auto code = relay_.add_device("printer1");
    auto parsed = tunnel::parse_pairing_code(code);
    auto pinned_elsewhere = *parsed;
    pinned_elsewhere.fingerprint = std::string(64, 'e');
    auto r = tunnel::pair_with_relay_blocking(tunnel::format_pairing_code(pinned_elsewhere), dir_ / "edge");
    ASSERT_FALSE(r);
    EXPECT_NE(r.message().find("fingerprint"), std::string::npos) << r.message();
    // The secret never left: the real code still has all its attempts and works.
    EXPECT_TRUE(tunnel::pair_with_relay_blocking(code, dir_ / "edge"));
}

TEST_F(pairing_e2e, unknown_code_and_bad_names_are_clear_errors) {
    auto code = tunnel::parse_pairing_code(relay_.add_device("printer1"));
    auto unknown = *code;
    unknown.code_id = std::string(16, '0');
    auto r = tunnel::pair_with_relay_blocking(tunnel::format_pairing_code(unknown), dir_ / "edge");
    ASSERT_FALSE(r);
    EXPECT_NE(r.message().find("unknown pairing code"), std::string::npos) << r.message();
    auto bad = relay_.cli({"device", "add", "Not_A_Label"});
    EXPECT_NE(bad.status, 0);
    EXPECT_NE(bad.err.find("invalid device name"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace printgate::testing
