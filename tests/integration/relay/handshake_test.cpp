// The tunnel port of the real printgate-relay refuses every handshake that does not carry a
// current certificate of a live, paired device: none, one from another CA, an expired one, a
// revoked device's, and a TLS 1.2-only client. The paired device itself gets through (the
// control test that makes the refusals meaningful).
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "pairing_fixture.hpp"
#include "printgate/tunnel/control.hpp"
#include "printgate/tunnel/identity_authority.hpp"
#include "printgate/tunnel/pairing.hpp"
#include "printgate/tunnel/session.hpp"
#include "printgate/tunnel/tls.hpp"

namespace printgate::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

struct attempt_result {
    bool admitted = false;  // a session came up and the relay answered hello with welcome
    std::string detail;
};

class handshake : public ::testing::Test {
protected:
    void SetUp() override {
        relay_.start();
        auto code = relay_.add_device("printer1");
        auto paired = tunnel::pair_with_relay_blocking(code, dir_ / "edge");
        ASSERT_TRUE(paired) << paired.message();
        identity_ = std::move(*paired);
    }

    // Connects with `ctx`, and if TLS lets it through, tries the control stream: a refused
    // peer sees the connection end (alert or EOF) instead of a welcome.
    attempt_result attempt(std::shared_ptr<net::ssl::context> ctx, bool tls13 = true) {
        net::io_context io;
        attempt_result out;
        bool done = false;
        net::co_spawn(
            io,
            [&]() -> net::awaitable<void> {
                net::ssl::stream<tcp::socket> s(io, *ctx);
                if (tls13) (void)tunnel::prepare_client(s.native_handle(), "127.0.0.1", tunnel::alpn_tunnel);
                auto [cec] = co_await s.next_layer().async_connect(
                    {net::ip::make_address("127.0.0.1"), relay_.tunnel_port()}, use_tuple);
                if (cec) {
                    out.detail = "connect: " + cec.message();
                    done = true;
                    co_return;
                }
                auto [hec] = co_await s.async_handshake(net::ssl::stream_base::client, use_tuple);
                if (hec) {
                    out.detail = "handshake: " + hec.message();
                    done = true;
                    co_return;
                }
                // TLS 1.3: the client finishes before the server has judged its certificate.
                auto session = tunnel::session::create(common::any_stream(std::move(s)), tunnel::role::client);
                session->start();
                auto [oec, stream] = co_await session->open_stream();
                if (!oec) {
                    auto channel = std::make_shared<tunnel::control_channel>(common::any_stream(std::move(stream)));
                    nlohmann::json hello;
                    hello["type"] = "hello";
                    hello["version"] = "test";
                    co_await channel->write(hello);
                    auto [rec, reply] = co_await channel->read();
                    if (!rec && reply["type"] == "welcome") out.admitted = true;
                    else out.detail = "control: " + rec.message();
                }
                session->close();
                done = true;
            },
            net::detached);
        run_until(io, [&] { return done; });
        return out;
    }

    std::shared_ptr<net::ssl::context> device_context(const std::string& cert_pem, const std::string& key_pem) {
        auto ctx = tunnel::make_client_context({identity_.ca_pem, cert_pem, key_pem});
        EXPECT_TRUE(ctx) << ctx.message();
        return *ctx;
    }

    // A certificate for the paired device id signed by the relay's own CA (read from its
    // state directory) with the given validity.
    std::pair<std::string, std::string> relay_signed(tunnel::wall_time nb, tunnel::wall_time na) {
        auto ca = tunnel::identity_authority::from_pem(read_file(relay_.state_dir() / "ca.key"),
                                                       read_file(relay_.state_dir() / "ca.pem"));
        EXPECT_TRUE(ca) << ca.message();
        auto key = tunnel::generate_p256_key();
        auto csr = tunnel::make_csr(**key, "x");
        auto cert = ca->sign_device(**csr, identity_.device_id, nb, na);
        return {*tunnel::certificate_to_pem(**cert), *tunnel::private_key_to_pem(**key)};
    }

    temp_dir dir_;
    relay_process relay_{dir_ / "relay-state"};
    tunnel::edge_identity identity_;
};

TEST_F(handshake, the_paired_device_is_admitted) {
    auto r = attempt(device_context(identity_.certificate_pem, identity_.key_pem));
    EXPECT_TRUE(r.admitted) << r.detail << "\n" << relay_.log();
}

TEST_F(handshake, no_client_certificate_is_refused) {
    auto ctx = tunnel::make_pairing_client_context();  // TLS 1.3, no certificate
    auto r = attempt(*ctx);
    EXPECT_FALSE(r.admitted);
}

TEST_F(handshake, a_certificate_from_another_ca_is_refused) {
    auto other = tunnel::identity_authority::create("another CA", std::chrono::system_clock::now());
    auto key = tunnel::generate_p256_key();
    auto csr = tunnel::make_csr(**key, "x");
    auto now = std::chrono::system_clock::now();
    auto cert = other->sign_device(**csr, identity_.device_id, now - 1h, now + 24h);
    auto r = attempt(device_context(*tunnel::certificate_to_pem(**cert), *tunnel::private_key_to_pem(**key)));
    EXPECT_FALSE(r.admitted);
}

TEST_F(handshake, an_expired_certificate_is_refused) {
    auto now = std::chrono::system_clock::now();
    auto [cert, key] = relay_signed(now - 72h, now - 1h);
    auto r = attempt(device_context(cert, key));
    EXPECT_FALSE(r.admitted);
}

TEST_F(handshake, a_valid_but_unregistered_serial_is_refused) {
    // Signed by the relay CA, but never issued through pairing or renewal: not in the registry.
    auto now = std::chrono::system_clock::now();
    auto [cert, key] = relay_signed(now - 1h, now + 24h);
    auto r = attempt(device_context(cert, key));
    EXPECT_FALSE(r.admitted);
}

TEST_F(handshake, a_revoked_device_is_refused) {
    auto revoked = relay_.cli({"device", "revoke", "printer1"});
    ASSERT_EQ(revoked.status, 0) << revoked.err;
    auto r = attempt(device_context(identity_.certificate_pem, identity_.key_pem));
    EXPECT_FALSE(r.admitted);
}

TEST_F(handshake, a_tls12_only_client_is_refused) {
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_verify_mode(net::ssl::verify_none);
    ctx->use_certificate_chain(net::buffer(identity_.certificate_pem));
    ctx->use_private_key(net::buffer(identity_.key_pem), net::ssl::context::pem);
    auto r = attempt(ctx, false);
    EXPECT_FALSE(r.admitted);
    EXPECT_NE(r.detail.find("handshake"), std::string::npos) << r.detail;
}

}  // namespace
}  // namespace printgate::testing
