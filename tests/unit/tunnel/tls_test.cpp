#include "printgate/tunnel/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "printgate/tunnel/identity_authority.hpp"

namespace printgate::tunnel {
namespace {

using namespace std::chrono_literals;
using tcp = net::ip::tcp;
using tls_stream = net::ssl::stream<tcp::socket>;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

const wall_time now = std::chrono::system_clock::now();

struct device_credentials {
    std::string cert_pem;
    std::string key_pem;
    std::string serial;
};

device_credentials issue(const identity_authority& ca, std::string id, wall_time nb, wall_time na) {
    auto key = generate_p256_key();
    auto csr = make_csr(**key, id);
    auto cert = ca.sign_device(**csr, id, nb, na);
    EXPECT_TRUE(cert) << cert.message();
    return {*certificate_to_pem(**cert), *private_key_to_pem(**key), serial_hex(**cert)};
}

struct outcome {
    bool server_ok = false;  // handshake done and the connection admitted
    bool client_ok = false;  // the client read the server's byte
    bool pairing = false;
    std::optional<peer_identity> who;
    std::string cipher;  // the TLS 1.3 suite the server settled on
    std::string pinned_ca;  // from verify_pinned_peer, when asked
    std::string pin_error;
};

class tls_test : public ::testing::Test {
protected:
    void SetUp() override {
        auto created = identity_authority::create("test relay CA", now);
        ASSERT_TRUE(created);
        ca_.emplace(std::move(*created));
        auto key = generate_p256_key();
        auto cert = ca_->sign_server(**key, {"127.0.0.1", "relay.test"}, now, 24h);
        ASSERT_TRUE(cert);
        server_chain_ = *certificate_to_pem(**cert) + ca_->certificate_pem();
        server_key_ = *private_key_to_pem(**key);
    }

    std::shared_ptr<net::ssl::context> server_context() {
        server_tls_config config{ca_->certificate_pem(), server_chain_, server_key_,
                                 [this](const peer_identity& who) {
                                     admitted_.push_back(who.device_id);
                                     return refused_ != who.device_id;
                                 }};
        auto ctx = make_server_context(std::move(config));
        EXPECT_TRUE(ctx) << ctx.message();
        return *ctx;
    }

    std::shared_ptr<net::ssl::context> client_context(const device_credentials& d,
                                                      std::optional<bool> aes_hardware = std::nullopt) {
        auto ctx = make_client_context({ca_->certificate_pem(), d.cert_pem, d.key_pem, aes_hardware});
        EXPECT_TRUE(ctx) << ctx.message();
        return *ctx;
    }

    // One connection: the server handshakes and writes one byte unless it is a pairing
    // connection (then it writes too, like the pairing exchange would answer).
    outcome run(std::shared_ptr<net::ssl::context> server_ctx, std::shared_ptr<net::ssl::context> client_ctx,
                std::string host = "127.0.0.1", std::string_view alpn = alpn_tunnel, std::string pin = {}) {
        net::io_context io;
        tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
        auto port = acceptor.local_endpoint().port();
        outcome out;
        net::co_spawn(
            io,
            [&]() -> net::awaitable<void> {
                auto [aec, socket] = co_await acceptor.async_accept(use_tuple);
                if (aec) co_return;
                tls_stream stream(std::move(socket), *server_ctx);
                auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, use_tuple);
                if (ec) co_return;
                out.server_ok = true;
                out.pairing = is_pairing_connection(stream.native_handle());
                out.who = peer_identity_of(stream.native_handle());
                out.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(stream.native_handle()));
                auto [wec, n] = co_await net::async_write(stream, net::buffer("!", 1), use_tuple);
                (void)wec;
                (void)n;
                char c = 0;
                co_await net::async_read(stream, net::buffer(&c, 1), use_tuple);
            },
            net::detached);
        net::co_spawn(
            io,
            [&]() -> net::awaitable<void> {
                tls_stream stream(io, *client_ctx);
                auto prepared = prepare_client(stream.native_handle(), host, alpn);
                EXPECT_TRUE(prepared);
                auto [cec] = co_await stream.next_layer().async_connect(
                    {net::ip::make_address("127.0.0.1"), port}, use_tuple);
                if (cec) co_return;
                auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::client, use_tuple);
                if (ec) co_return;
                if (!pin.empty()) {
                    auto pinned = verify_pinned_peer(stream.native_handle(), pin, host);
                    if (pinned) out.pinned_ca = *pinned;
                    else out.pin_error = pinned.message();
                }
                char c = 0;
                auto [rec, n] = co_await net::async_read(stream, net::buffer(&c, 1), use_tuple);
                out.client_ok = !rec && n == 1 && c == '!';
                co_await net::async_write(stream, net::buffer("?", 1), use_tuple);
            },
            net::detached);
        io.run_for(20s);
        return out;
    }

    std::optional<identity_authority> ca_;
    std::string server_chain_;
    std::string server_key_;
    std::vector<std::string> admitted_;
    std::string refused_;
};

TEST_F(tls_test, device_with_a_current_certificate_is_admitted_and_identified) {
    auto device = issue(*ca_, "dev1", now - 1h, now + 24h);
    auto out = run(server_context(), client_context(device));
    EXPECT_TRUE(out.server_ok);
    EXPECT_TRUE(out.client_ok);
    EXPECT_FALSE(out.pairing);
    ASSERT_TRUE(out.who);
    EXPECT_EQ(out.who->device_id, "dev1");
    EXPECT_EQ(out.who->serial, device.serial);
    EXPECT_EQ(admitted_, std::vector<std::string>{"dev1"});
}

// A Raspberry Pi 3 or 4 has no AES instructions: its edge asks for ChaCha20-Poly1305 first
// and the relay follows; an edge with them gets AES-128-GCM.
TEST_F(tls_test, the_edges_cpu_decides_the_cipher) {
    auto device = issue(*ca_, "dev1", now - 1h, now + 24h);
    auto without_aes = run(server_context(), client_context(device, false));
    EXPECT_TRUE(without_aes.client_ok);
    EXPECT_EQ(without_aes.cipher, "TLS_CHACHA20_POLY1305_SHA256");
    auto with_aes = run(server_context(), client_context(device, true));
    EXPECT_TRUE(with_aes.client_ok);
    EXPECT_EQ(with_aes.cipher, "TLS_AES_128_GCM_SHA256");
    auto pairing = run(server_context(), *make_pairing_client_context(false), "127.0.0.1", alpn_pair);
    EXPECT_EQ(pairing.cipher, "TLS_CHACHA20_POLY1305_SHA256");
}

TEST_F(tls_test, registry_refusal_fails_the_handshake) {
    refused_ = "dev1";
    auto out = run(server_context(), client_context(issue(*ca_, "dev1", now - 1h, now + 24h)));
    EXPECT_FALSE(out.server_ok);
    EXPECT_FALSE(out.client_ok);
}

TEST_F(tls_test, certificate_from_another_ca_is_refused_without_asking_the_registry) {
    auto other = identity_authority::create("other CA", now);
    auto device = issue(*other, "dev1", now - 1h, now + 24h);
    auto out = run(server_context(), client_context(device));
    EXPECT_FALSE(out.server_ok);
    EXPECT_FALSE(out.client_ok);
    EXPECT_TRUE(admitted_.empty());
}

TEST_F(tls_test, expired_certificate_is_refused) {
    auto device = issue(*ca_, "dev1", now - 72h, now - 1h);
    auto out = run(server_context(), client_context(device));
    EXPECT_FALSE(out.server_ok);
    EXPECT_FALSE(out.client_ok);
    EXPECT_TRUE(admitted_.empty());
}

TEST_F(tls_test, no_client_certificate_is_refused) {
    auto out = run(server_context(), *make_pairing_client_context());
    EXPECT_FALSE(out.server_ok);
    EXPECT_FALSE(out.client_ok);
}

TEST_F(tls_test, tls12_only_client_is_refused) {
    auto device = issue(*ca_, "dev1", now - 1h, now + 24h);
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->use_certificate_chain(net::buffer(device.cert_pem));
    ctx->use_private_key(net::buffer(device.key_pem), net::ssl::context::pem);
    auto out = run(server_context(), ctx);
    EXPECT_FALSE(out.server_ok);
    EXPECT_FALSE(out.client_ok);
}

TEST_F(tls_test, client_refuses_a_relay_with_the_wrong_name) {
    auto device = issue(*ca_, "dev1", now - 1h, now + 24h);
    auto out = run(server_context(), client_context(device), "other.test");
    EXPECT_FALSE(out.client_ok);
}

TEST_F(tls_test, pairing_alpn_needs_no_certificate_and_pins_the_ca) {
    auto out = run(server_context(), *make_pairing_client_context(), "127.0.0.1", alpn_pair, ca_->fingerprint());
    EXPECT_TRUE(out.server_ok);
    EXPECT_TRUE(out.pairing);
    EXPECT_FALSE(out.who);
    EXPECT_EQ(out.pinned_ca, ca_->certificate_pem()) << out.pin_error;
}

TEST_F(tls_test, pairing_client_refuses_a_relay_with_another_fingerprint) {
    auto other = identity_authority::create("other CA", now);
    auto out = run(server_context(), *make_pairing_client_context(), "127.0.0.1", alpn_pair, other->fingerprint());
    EXPECT_TRUE(out.pinned_ca.empty());
    EXPECT_NE(out.pin_error.find("fingerprint"), std::string::npos) << out.pin_error;
    auto wrong_host = run(server_context(), *make_pairing_client_context(), "relay.other", alpn_pair,
                          ca_->fingerprint());
    EXPECT_TRUE(wrong_host.pinned_ca.empty());
}

TEST(alpn, parses_protocol_lists_strictly) {
    const unsigned char good[] = {0, 20, 2, 'h', '2', 16, 'p', 'r', 'i', 'n', 't', 'g', 'a', 't',
                                  'e', '-', 'p', 'a', 'i', 'r', '/', '1'};
    EXPECT_TRUE(alpn_list_offers(good, sizeof good, alpn_pair));
    EXPECT_FALSE(alpn_list_offers(good, sizeof good, alpn_tunnel));
    EXPECT_FALSE(alpn_list_offers(good, sizeof good - 1, alpn_pair));
    const unsigned char zero[] = {0, 1, 0};
    EXPECT_FALSE(alpn_list_offers(zero, sizeof zero, alpn_pair));
    EXPECT_FALSE(alpn_list_offers(nullptr, 0, alpn_pair));
}

}  // namespace
}  // namespace printgate::tunnel
