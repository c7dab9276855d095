// any_stream over a real loopback TCP connection and a real TLS connection: Beast's HTTP
// reader and writer work through it, shutdown ends the sending side, close aborts reads.
#include <printgate/common/any_stream.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>

namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using net::ip::tcp;
using printgate::common::any_stream;

std::pair<tcp::socket, tcp::socket> connected_pair(net::io_context& io) {
    tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    tcp::socket server = acceptor.accept();
    return {std::move(client), std::move(server)};
}

template <class F>
void run(net::io_context& io, F f) {
    std::exception_ptr failure;
    net::co_spawn(io, f(), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
}

TEST(any_stream, beast_http_round_trip_over_tcp) {
    net::io_context io;
    auto [c, s] = connected_pair(io);
    any_stream client(std::move(c), "client");
    any_stream server(std::move(s), "server");
    EXPECT_EQ(client.peer(), "client");
    ASSERT_NE(client.target<tcp::socket>(), nullptr);
    EXPECT_EQ(client.target<net::ssl::stream<tcp::socket>>(), nullptr);

    run(io, [&]() -> net::awaitable<void> {
        http::request<http::string_body> req{http::verb::post, "/echo", 11};
        req.body() = std::string(100000, 'x');
        req.prepare_payload();
        co_await http::async_write(client, req, net::use_awaitable);

        boost::beast::flat_buffer buffer;
        http::request<http::string_body> got;
        co_await http::async_read(server, buffer, got, net::use_awaitable);
        EXPECT_EQ(got.target(), "/echo");
        EXPECT_EQ(got.body().size(), 100000U);

        co_await server.async_shutdown(net::use_awaitable);
        char byte = 0;
        auto [ec, n] = co_await client.async_read_some(net::buffer(&byte, 1),
                                                       net::as_tuple(net::use_awaitable));
        EXPECT_EQ(ec, net::error::eof);
        EXPECT_EQ(n, 0U);
    });
}

TEST(any_stream, close_aborts_a_pending_read) {
    net::io_context io;
    auto [c, s] = connected_pair(io);
    any_stream client(std::move(c));
    boost::system::error_code seen;
    char byte = 0;
    client.async_read_some(net::buffer(&byte, 1),
                           [&](boost::system::error_code ec, std::size_t) { seen = ec; });
    net::post(io, [&] { client.close(); });
    io.run();
    EXPECT_EQ(seen, net::error::operation_aborted);
}

// A throwaway self-signed P-256 certificate, made with OpenSSL directly.
struct self_signed {
    std::string cert_pem, key_pem;
    static std::string drain(BIO* b) {
        char* data = nullptr;
        const long len = BIO_get_mem_data(b, &data);
        std::string out(data, static_cast<std::size_t>(len));
        BIO_free(b);
        return out;
    }
    self_signed() {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* x = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), -60);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, key);
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(x, name);
        X509_sign(x, key, EVP_sha256());
        BIO* b = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(b, x);
        cert_pem = drain(b);
        b = BIO_new(BIO_s_mem());
        PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
        key_pem = drain(b);
        X509_free(x);
        EVP_PKEY_free(key);
    }
};

TEST(any_stream, tls_stream_reads_writes_and_sends_close_notify) {
    self_signed id;
    net::ssl::context server_ctx(net::ssl::context::tls_server);
    server_ctx.use_certificate_chain(net::buffer(id.cert_pem));
    server_ctx.use_private_key(net::buffer(id.key_pem), net::ssl::context::pem);
    net::ssl::context client_ctx(net::ssl::context::tls_client);
    client_ctx.add_certificate_authority(net::buffer(id.cert_pem));
    client_ctx.set_verify_mode(net::ssl::verify_peer);

    net::io_context io;
    auto [c, s] = connected_pair(io);
    net::ssl::stream<tcp::socket> tc(std::move(c), client_ctx);
    net::ssl::stream<tcp::socket> ts(std::move(s), server_ctx);

    // The wrapped streams outlive io.run(): the detached shutdown below may still be pending
    // when the coroutine ends.
    any_stream client, server;
    run(io, [&]() -> net::awaitable<void> {
        // Handshake both ends concurrently before wrapping.
        bool server_done = false;
        net::co_spawn(io, [&]() -> net::awaitable<void> {
            co_await ts.async_handshake(net::ssl::stream_base::server, net::use_awaitable);
            server_done = true;
        }, net::detached);
        co_await tc.async_handshake(net::ssl::stream_base::client, net::use_awaitable);
        while (!server_done) co_await net::post(io, net::use_awaitable);

        client = any_stream(std::move(tc));
        server = any_stream(std::move(ts));
        EXPECT_NE(client.target<net::ssl::stream<tcp::socket>>(), nullptr);
        const std::string hello = "hello through TLS";
        co_await net::async_write(client, net::buffer(hello), net::use_awaitable);
        std::string got(hello.size(), '\0');
        co_await net::async_read(server, net::buffer(got), net::use_awaitable);
        EXPECT_EQ(got, hello);

        // close_notify from the client arrives as a clean end of stream at the server.
        net::co_spawn(io, client.async_shutdown(net::use_awaitable), net::detached);
        char byte = 0;
        auto [ec, n] = co_await server.async_read_some(net::buffer(&byte, 1),
                                                       net::as_tuple(net::use_awaitable));
        EXPECT_EQ(ec, net::error::eof) << ec.message();
        EXPECT_EQ(n, 0U);
        server.close();
    });
}

}  // namespace
