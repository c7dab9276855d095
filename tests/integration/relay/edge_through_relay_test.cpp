// The README demo's chain with the real binaries: `printgate-relay device add`, then
// `printgate-edge pair CODE`, then `printgate-edge run --demo` (simulated printer on a pty),
// and a browser-like HTTPS client that trusts only the relay's CA and checks the host name
// `printer1.localhost`, reaching the edge's API through relay and tunnel.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "login_fixture.hpp"
#include "pairing_fixture.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace printgate::testing {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

struct https_result {
    error_code error;  // TCP, TLS (certificate or name) or HTTP
    std::string step;
    http::response<http::string_body> response;
};

// One request over a fresh TLS connection that verifies the chain against `ca_file` and the
// certificate's name against `host`, as a browser would.
https_result https_get(std::uint16_t port, const std::string& host, const std::filesystem::path& ca_file,
                       const std::string& target) {
    https_result r;
    net::io_context io;
    net::ssl::context tls(net::ssl::context::tls_client);
    tls.load_verify_file(ca_file.string(), r.error);
    if (r.error) {
        r.step = "load CA";
        return r;
    }
    tls.set_verify_mode(net::ssl::verify_peer);
    net::ssl::stream<tcp::socket> s(io, tls);
    SSL_set_tlsext_host_name(s.native_handle(), host.c_str());
    SSL_set1_host(s.native_handle(), host.c_str());
    s.next_layer().connect({net::ip::make_address("127.0.0.1"), port}, r.error);
    if (r.error) {
        r.step = "connect";
        return r;
    }
    s.handshake(net::ssl::stream_base::client, r.error);
    if (r.error) {
        r.step = "TLS handshake";
        return r;
    }
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host + ":" + std::to_string(port));
    req.set(http::field::connection, "close");
    http::write(s, req, r.error);
    if (r.error) {
        r.step = "write";
        return r;
    }
    boost::beast::flat_buffer buffer;
    http::read(s, buffer, r.response, r.error);
    if (r.error) r.step = "read";
    return r;
}

class edge_through_relay : public ::testing::Test, public gate_steps {
protected:
    temp_dir dir;
    relay_process relay{dir / "relay"};
    std::filesystem::path edge_state = dir / "edge";

    struct cli_result {
        int status = -1;
        std::string out, err;
    };
    cli_result edge_cli(std::vector<std::string> args) {
        args.insert(args.begin(), PRINTGATE_EDGE_BIN);
        static int runs = 0;
        auto base = dir / ("edge-cli" + std::to_string(++runs));
        child_process p(args, base.string() + ".out", base.string() + ".err");
        auto status = p.wait(std::chrono::seconds(60));
        return {status ? *status : -1, p.out(), p.err()};
    }
};

TEST_F(edge_through_relay, pair_then_run_serves_the_edge_through_the_relay_with_a_certificate_for_the_device_host) {
    relay.start();
    const auto code = relay.add_device("printer1");
    ASSERT_FALSE(code.empty());

    auto paired = edge_cli({"pair", code, "--state-dir", edge_state.string()});
    ASSERT_EQ(paired.status, 0) << paired.err;
    EXPECT_NE(paired.out.find("paired as 'printer1'"), std::string::npos) << paired.out;
    struct stat key_stat {};
    ASSERT_EQ(::stat((edge_state / "tunnel" / "device.key").c_str(), &key_stat), 0);
    EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
    // The private key never appears in what the command printed.
    EXPECT_EQ(paired.out.find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(paired.err.find("PRIVATE KEY"), std::string::npos);

    child_process edge({PRINTGATE_EDGE_BIN, "run", "--demo", "--state-dir", edge_state.string(), "--sim-binary",
                        PRINTGATE_SIM_BIN, "--tunnel-backoff-max-ms", "500"},
                       (dir / "edge.out").string(), (dir / "edge.err").string());
    ASSERT_TRUE(wait_until([&] { return edge.out().find("printgate-edge ready") != std::string::npos; },
                           std::chrono::seconds(60)))
        << edge.err();
    EXPECT_NE(edge.out().find("relay=127.0.0.1:" + std::to_string(relay.tunnel_port())), std::string::npos)
        << edge.out();
    EXPECT_NE(edge.out().find("device=printer1"), std::string::npos) << edge.out();
    ASSERT_TRUE(wait_until([&] { return edge.err().find("tunnel to") != std::string::npos &&
                                        edge.err().find("is up") != std::string::npos; },
                           std::chrono::seconds(60)))
        << edge.err() << "\n" << relay.log();

    // The browser's view: the relay's CA, the exact device host name, the edge's answer.
    const auto ca = relay.state_dir() / "ca.pem";
    auto version = https_get(relay.https_port(), "printer1.localhost", ca, "/api/version");
    ASSERT_FALSE(version.error) << version.step << ": " << version.error.message() << "\n" << relay.log();
    // Nobody signed in: the gate answers, not the printer.
    EXPECT_EQ(version.response.result_int(), 401u) << version.response << "\n" << relay.log();
    EXPECT_EQ(version.response.body().find("OctoPrint"), std::string::npos) << version.response.body();

    // The owner signs in (password, then TOTP) and enters the device host: the edge answers
    // through relay and tunnel.
    attach(relay);
    browser_client owner;
    create_owner(owner);
    sign_in_and_enroll(owner);
    auto entered = enter_device(owner, "printer1", "/api/version");
    ASSERT_EQ(entered.status, 303) << entered.body;
    auto through = owner.get(device("printer1", "/api/version"));
    ASSERT_EQ(through.status, 200) << through.body << "\n" << relay.log() << "\n" << edge.err();
    EXPECT_NE(through.body.find("OctoPrint"), std::string::npos) << through.body;
    auto printer = owner.get(device("printer1", "/api/v1/state"));
    EXPECT_EQ(printer.status, 200) << printer.body;
    // The printer's home page links back to the relay's pages, from the host the browser used.
    auto home = owner.get(device("printer1", "/"));
    EXPECT_EQ(home.status, 200) << home.body;
    EXPECT_NE(home.body.find("<a href=\"" + apex("/printers") + "\">All printers</a>"), std::string::npos) << home.body;
    EXPECT_NE(home.body.find("signed in as jane"), std::string::npos) << home.body;

    // The apex has its own certificate name; another zone's name is not covered.
    auto apex = https_get(relay.https_port(), "localhost", ca, "/");
    EXPECT_FALSE(apex.error) << apex.step << ": " << apex.error.message();
    auto foreign = https_get(relay.https_port(), "printer1.example.com", ca, "/");
    EXPECT_TRUE(foreign.error) << "a certificate for a name outside the zone was accepted";
    EXPECT_EQ(foreign.step, "TLS handshake");

    EXPECT_EQ(edge.stop(), 0) << edge.err();
}

std::size_t count_of(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

// The relay is killed (SIGKILL) while a slicer-sized upload goes through it to the real edge:
// the edge keeps no partial file, is back through the tunnel within 3 s of the relay's return
// (short backoff set here), and the same browser session uploads the file again.
TEST_F(edge_through_relay, a_relay_killed_mid_upload_leaves_no_file_and_the_edge_returns_within_3_s) {
    relay.start();
    attach(relay);
    browser_client owner;
    create_owner(owner);
    sign_in_and_enroll(owner);
    ASSERT_EQ(enter_device(owner, "printer1", "/").status, 303);
    const auto cookie = owner.cookie("printer1.localhost", "__Host-printgate");
    ASSERT_TRUE(cookie);
    const auto tunnel_port = relay.tunnel_port();
    const auto https_port = relay.https_port();

    auto paired = edge_cli({"pair", relay.add_device("printer1"), "--state-dir", edge_state.string()});
    ASSERT_EQ(paired.status, 0) << paired.err;
    child_process edge({PRINTGATE_EDGE_BIN, "run", "--demo", "--state-dir", edge_state.string(), "--sim-binary",
                        PRINTGATE_SIM_BIN, "--tunnel-backoff-max-ms", "200"},
                       (dir / "edge.out").string(), (dir / "edge.err").string());
    auto tunnels_up = [&] { return count_of(edge.err(), "is up"); };
    ASSERT_TRUE(wait_until([&] { return tunnels_up() == 1; }, std::chrono::seconds(60)))
        << edge.err() << "\n" << relay.log();

    // 64 MiB of G-code in one multipart POST, cut after 16 MiB by the relay's death.
    const std::string boundary = "printgate-test-boundary";
    const std::string part_head = "--" + boundary +
                                  "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.gcode\"\r\n"
                                  "Content-Type: application/octet-stream\r\n\r\n";
    const std::string part_tail = "\r\n--" + boundary + "--\r\n";
    const std::uint64_t file_bytes = 64ull << 20;
    std::string line = "G1 X10 Y10 E0.5 ; padding to fill a slicer-sized file\n";
    {
        net::io_context io;
        net::ssl::context tls(net::ssl::context::tls_client);
        tls.set_verify_mode(net::ssl::verify_none);
        net::ssl::stream<tcp::socket> s(io, tls);
        SSL_set_tlsext_host_name(s.native_handle(), "printer1.localhost");
        error_code ec;
        s.next_layer().connect({net::ip::make_address("127.0.0.1"), https_port}, ec);
        ASSERT_FALSE(ec) << ec.message();
        s.handshake(net::ssl::stream_base::client, ec);
        ASSERT_FALSE(ec) << ec.message();
        const std::string origin = "https://printer1.localhost:" + std::to_string(https_port);
        const std::string head = "POST /api/files/local HTTP/1.1\r\nHost: printer1.localhost:" +
                                 std::to_string(https_port) + "\r\nCookie: __Host-printgate=" + *cookie +
                                 "\r\nOrigin: " + origin +
                                 "\r\nContent-Type: multipart/form-data; boundary=" + boundary +
                                 "\r\nContent-Length: " +
                                 std::to_string(part_head.size() + file_bytes + part_tail.size()) + "\r\n\r\n" +
                                 part_head;
        net::write(s, net::buffer(head), ec);
        ASSERT_FALSE(ec) << ec.message();
        std::string block;
        while (block.size() < (256u << 10)) block += line;
        block.resize(256u << 10);
        std::uint64_t sent = 0;
        while (sent < (16ull << 20) && !ec) {
            net::write(s, net::buffer(block), ec);
            sent += block.size();
        }
        ASSERT_FALSE(ec) << ec.message() << " after " << sent << " bytes\n" << relay.log();
        relay.kill();
        // The upload cannot finish: the next writes or the read fail.
        for (int i = 0; i < 64 && !ec; ++i) net::write(s, net::buffer(block), ec);
        std::string reply(64, '\0');
        if (!ec) s.read_some(net::buffer(reply), ec);
        EXPECT_TRUE(ec) << "the upload went on after the relay was killed";
    }
    ASSERT_TRUE(wait_until([&] { return count_of(edge.err(), "is down; reconnecting") == 1; },
                           std::chrono::seconds(30)))
        << edge.err();

    relay.start("[tunnel]\nlisten = \"127.0.0.1:" + std::to_string(tunnel_port) + "\"\n[https]\nlisten = \"127.0.0.1:" +
                std::to_string(https_port) + "\"\n");
    ASSERT_EQ(relay.tunnel_port(), tunnel_port);
    const auto back_at = std::chrono::steady_clock::now();
    ASSERT_TRUE(wait_until([&] { return tunnels_up() == 2; }, std::chrono::seconds(30)))
        << edge.err() << "\n" << relay.log();
    const auto took = std::chrono::steady_clock::now() - back_at;
    EXPECT_LT(took, std::chrono::seconds(3))
        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";

    // Nothing half-uploaded is kept, and the same session (stored by the relay) goes on.
    auto files = owner.get(device("printer1", "/api/v1/files"));
    ASSERT_EQ(files.status, 200) << files.body << "\n" << relay.log();
    EXPECT_EQ(files.body.find("cut.gcode"), std::string::npos) << files.body;
    std::string small;
    for (int i = 0; i < 100; ++i) small += line;
    const std::string body = part_head + small + part_tail;
    auto again = owner.send("POST", device("printer1", "/api/files/local"), body,
                            {{"Origin", "https://printer1.localhost:" + std::to_string(https_port)},
                             {"Content-Type", "multipart/form-data; boundary=" + boundary}});
    EXPECT_EQ(again.status, 201) << again.body << "\n" << edge.err();
    files = owner.get(device("printer1", "/api/v1/files"));
    EXPECT_NE(files.body.find("cut.gcode"), std::string::npos) << files.body;
    EXPECT_EQ(edge.stop(), 0) << edge.err();
}

TEST_F(edge_through_relay, a_wrong_code_is_refused_and_nothing_is_stored) {
    relay.start();
    auto code = relay.add_device("printer1");
    ASSERT_GT(code.size(), 20u);
    // Change one character of the secret (the second dot-separated field after the id).
    auto secret_at = code.find('.', code.find('.') + 1) + 1;
    code[secret_at] = code[secret_at] == 'a' ? 'b' : 'a';  // still lower hex
    auto paired = edge_cli({"pair", code, "--state-dir", edge_state.string()});
    EXPECT_NE(paired.status, 0);
    EXPECT_NE(paired.err.find("pairing failed"), std::string::npos) << paired.err;
    EXPECT_FALSE(std::filesystem::exists(edge_state / "tunnel" / "device.key"));
    EXPECT_FALSE(std::filesystem::exists(edge_state / "tunnel" / "relay.json"));

    // The edge runs without a pairing, on its listener only, and says how to pair.
    child_process edge({PRINTGATE_EDGE_BIN, "run", "--demo", "--state-dir", edge_state.string(), "--sim-binary",
                        PRINTGATE_SIM_BIN},
                       (dir / "edge.out").string(), (dir / "edge.err").string());
    ASSERT_TRUE(wait_until([&] { return edge.out().find("printgate-edge ready") != std::string::npos; },
                           std::chrono::seconds(60)))
        << edge.err();
    EXPECT_EQ(edge.out().find("relay="), std::string::npos) << edge.out();
    EXPECT_NE(edge.err().find("printgate-edge pair CODE"), std::string::npos) << edge.err();
}

}  // namespace
}  // namespace printgate::testing
