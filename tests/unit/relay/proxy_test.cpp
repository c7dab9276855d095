// The relay's browser side end to end, in process, over real sockets and real TLS: a
// browser-like client speaks HTTPS to the browser_listener, which proxies into streams that
// a fake device_directory opens over loopback TCP to a small Beast origin (standing in for
// the edge; the tunnel plugs in behind the same interface).
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "browser_listener.hpp"
#include "gate.hpp"
#include "http_status_page.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using net::ip::tcp;
using boost::system::error_code;
using namespace printgate::relay;

constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);

// ---------------------------------------------------------------------------------------
// A throwaway certificate for localhost and *.localhost, made with OpenSSL in the test.

struct test_certificate {
    printgate::testing::temp_dir dir;
    std::string cert_pem;
    std::filesystem::path cert_file, key_file;

    static std::string drain(BIO* b) {
        char* data = nullptr;
        const long len = BIO_get_mem_data(b, &data);
        std::string out(data, static_cast<std::size_t>(len));
        BIO_free(b);
        return out;
    }

    test_certificate() {
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* x = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
        X509_gmtime_adj(X509_getm_notBefore(x), -60);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, key);
        X509_NAME* name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
        X509_set_issuer_name(x, name);
        X509V3_CTX v3;
        X509V3_set_ctx_nodb(&v3);
        X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
        X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name,
                                                  "DNS:localhost,DNS:*.localhost");
        X509_add_ext(x, san, -1);
        X509_EXTENSION_free(san);
        X509_sign(x, key, EVP_sha256());
        BIO* b = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(b, x);
        cert_pem = drain(b);
        b = BIO_new(BIO_s_mem());
        PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
        const auto key_pem = drain(b);
        X509_free(x);
        EVP_PKEY_free(key);
        cert_file = dir / "chain.pem";
        key_file = dir / "key.pem";
        printgate::testing::write_file(cert_file, cert_pem);
        printgate::testing::write_file(key_file, key_pem);
    }
};

// ---------------------------------------------------------------------------------------
// Bytes whose value says where they are: byte i of a body is i % 251.

const std::vector<char>& pattern() {
    static const std::vector<char> p = [] {
        std::vector<char> v(64 * 1024 + 251);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<char>(i % 251);
        return v;
    }();
    return p;
}
constexpr std::size_t pattern_block = 64 * 1024;

bool matches_pattern(const char* data, std::size_t n, std::uint64_t offset) {
    while (n > 0) {
        const auto piece = std::min(n, pattern_block);
        if (std::memcmp(data, pattern().data() + offset % 251, piece) != 0) return false;
        data += piece;
        n -= piece;
        offset += piece;
    }
    return true;
}

// ---------------------------------------------------------------------------------------
// The origin: what the edge's HTTP server would be, on its own thread.

class test_origin {
public:
    test_origin() : acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}), frame_timer_(io_) {
        frame_timer_.expires_at(std::chrono::steady_clock::time_point::max());
        net::co_spawn(io_, accept_loop(), net::detached);
        thread_ = std::thread([this] { io_.run(); });
    }
    ~test_origin() {
        io_.stop();
        thread_.join();
    }
    tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
    int connections() const { return connections_.load(); }
    // Lets /mjpeg send its next part.
    void allow_frame() {
        net::post(io_, [this] {
            ++frame_permits_;
            frame_timer_.cancel();
        });
    }

private:
    net::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(tuple_awaitable);
            if (ec) co_return;
            ++connections_;
            net::co_spawn(io_, session(std::move(socket)), net::detached);
        }
    }

    static net::awaitable<void> write_string(tcp::socket& socket, unsigned status, std::string body,
                                             bool keep_alive = true) {
        http::response<http::string_body> res{static_cast<http::status>(status), 11};
        res.set(http::field::content_type, "text/plain");
        res.body() = std::move(body);
        res.keep_alive(keep_alive);
        res.prepare_payload();
        co_await http::async_write(socket, res, tuple_awaitable);
    }

    net::awaitable<void> session(tcp::socket socket) {
        beast::flat_buffer buffer;
        int served = 0;
        std::vector<char> chunk(64 * 1024);
        for (;;) {
            http::request_parser<http::buffer_body> parser;
            parser.body_limit(boost::none);
            auto [ec, n] = co_await http::async_read_header(socket, buffer, parser, tuple_awaitable);
            if (ec) co_return;
            ++served;
            auto& req = parser.get();
            const std::string target(req.target());

            if (websocket::is_upgrade(req)) {
                co_await websocket_echo(std::move(socket), req);
                co_return;
            }

            // Read (and check) whatever body came.
            std::uint64_t received = 0;
            bool pattern_ok = true;
            while (!parser.is_done()) {
                req.body().data = chunk.data();
                req.body().size = chunk.size();
                auto [rec, rn] = co_await http::async_read(socket, buffer, parser, tuple_awaitable);
                if (rec == http::error::need_buffer) rec = {};
                if (rec) co_return;
                const auto got = chunk.size() - req.body().size;
                if (!matches_pattern(chunk.data(), got, received)) pattern_ok = false;
                received += got;
            }

            if (target == "/hello") {
                co_await write_string(socket, 200, "hello, request " + std::to_string(served) +
                                                       " on this connection");
            } else if (target == "/headers") {
                std::string body;
                for (const auto& f : req)
                    body += std::string(f.name_string()) + ": " + std::string(f.value()) + "\n";
                co_await write_string(socket, 200, body);
            } else if (target == "/upload") {
                co_await write_string(socket, 200,
                                      "bytes=" + std::to_string(received) +
                                          " ok=" + (pattern_ok ? "1" : "0") +
                                          (req.chunked() ? " te=chunked" : " te=none"));
            } else if (target.starts_with("/big?bytes=")) {
                const std::uint64_t total = std::stoull(target.substr(11));
                http::response<http::buffer_body> res{http::status::ok, 11};
                res.set(http::field::content_type, "application/octet-stream");
                res.content_length(total);
                http::response_serializer<http::buffer_body> sr{res};
                res.body().data = nullptr;
                res.body().more = true;
                auto [hec, hn] = co_await http::async_write(socket, sr, tuple_awaitable);
                if (hec && hec != http::error::need_buffer) co_return;
                for (std::uint64_t sent = 0; sent < total;) {
                    const auto n2 = static_cast<std::size_t>(std::min<std::uint64_t>(pattern_block, total - sent));
                    res.body().data = const_cast<char*>(pattern().data() + sent % 251);
                    res.body().size = n2;
                    res.body().more = sent + n2 < total;
                    auto [wec, wn] = co_await http::async_write(socket, sr, tuple_awaitable);
                    if (wec && wec != http::error::need_buffer) co_return;
                    sent += n2;
                }
            } else if (target == "/chunked") {
                const std::string raw =
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nalpha\r\n5\r\n-beta\r\n6\r\n-gamma\r\n0\r\n\r\n";
                co_await net::async_write(socket, net::buffer(raw), tuple_awaitable);
            } else if (target == "/mjpeg") {
                // Endless and close-delimited, like mjpg-streamer: a part, then wait for the
                // test to have seen it before sending the next.
                const std::string head =
                    "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=frame\r\n"
                    "Connection: close\r\n\r\n";
                co_await net::async_write(socket, net::buffer(head), tuple_awaitable);
                for (int frame = 1;; ++frame) {
                    const std::string body = "frame-" + std::to_string(frame);
                    const std::string part = "--frame\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                                             std::to_string(body.size()) + "\r\n\r\n" + body + "\r\n";
                    auto [wec, wn] = co_await net::async_write(socket, net::buffer(part), tuple_awaitable);
                    if (wec) co_return;
                    while (frame_permits_ == 0) co_await frame_timer_.async_wait(tuple_awaitable);
                    --frame_permits_;
                }
            } else if (target == "/broken") {
                const std::string raw = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" +
                                        std::string(100, 'x');
                co_await net::async_write(socket, net::buffer(raw), tuple_awaitable);
                socket.close();
                co_return;
            } else {
                co_await write_string(socket, 404, "no such test page");
            }
        }
    }

    // Echoes messages; "tell-me-about-pongs" makes it report the first pong it receives
    // (the browser's answer to the relay's ping, forwarded through the relay).
    static net::awaitable<void> websocket_echo(tcp::socket socket,
                                               const http::request<http::buffer_body>& req) {
        websocket::stream<tcp::socket> ws(std::move(socket));
        http::request<http::empty_body> upgrade{req.base()};
        auto [aec] = co_await ws.async_accept(upgrade, tuple_awaitable);
        if (aec) co_return;
        bool report_pongs = false;
        bool reported = false;
        ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
            if (kind == websocket::frame_type::pong && report_pongs && !reported) {
                reported = true;
                ws.text(true);
                ws.async_write(net::buffer(std::string_view("pong seen")), [](error_code, std::size_t) {});
            }
        });
        beast::flat_buffer buffer;
        for (;;) {
            auto [ec, n] = co_await ws.async_read(buffer, tuple_awaitable);
            if (ec) co_return;
            const auto text = beast::buffers_to_string(buffer.data());
            buffer.consume(buffer.size());
            if (text == "tell-me-about-pongs") {
                report_pongs = true;
                continue;
            }
            ws.text(true);
            auto [wec, wn] = co_await ws.async_write(net::buffer(text), tuple_awaitable);
            if (wec) co_return;
        }
    }

    net::io_context io_;
    tcp::acceptor acceptor_;
    net::steady_timer frame_timer_;
    int frame_permits_ = 0;
    std::atomic<int> connections_{0};
    std::thread thread_;
};

// ---------------------------------------------------------------------------------------
// The device directory the tunnel side will provide: here printer1 is online (a TCP
// connection to the origin), printer2 is known but offline, anything else is unknown.

class fake_directory final : public device_directory {
public:
    explicit fake_directory(tcp::endpoint origin) : origin_(origin) {}

    device_presence presence(std::string_view device) const override {
        if (device == "printer1") return {true, true, std::chrono::system_clock::now()};
        if (device == "printer2")
            return {true, false, std::chrono::system_clock::time_point{std::chrono::seconds(1'700'000'000)}};
        return {};
    }

    net::awaitable<std::tuple<error_code, printgate::common::any_stream>> open_stream(
        std::string_view device) override {
        ++opens;
        if (device != "printer1")
            co_return std::make_tuple(error_code(net::error::host_unreachable),
                                      printgate::common::any_stream{});
        tcp::socket socket(co_await net::this_coro::executor);
        auto [ec] = co_await socket.async_connect(origin_, tuple_awaitable);
        if (ec) co_return std::make_tuple(ec, printgate::common::any_stream{});
        co_return std::make_tuple(error_code{},
                                  printgate::common::any_stream(std::move(socket), "origin"));
    }

    std::atomic<int> opens{0};

private:
    tcp::endpoint origin_;
};

// Admits everyone as "alice" and remembers what it was shown.
class recording_gate final : public gate {
public:
    net::awaitable<gate_decision> check(const request_view& request, const peer_info& peer) override {
        std::lock_guard lock(mutex);
        for (const auto& f : request.headers) seen_fields.emplace_back(f.name);
        seen_hosts.emplace_back(request.host);
        seen_peer = peer.address.to_string();
        co_return gate_decision::admit("alice");
    }
    std::mutex mutex;
    std::vector<std::string> seen_fields;
    std::vector<std::string> seen_hosts;
    std::string seen_peer;
};

// ---------------------------------------------------------------------------------------
// The relay under test, on its own thread.

struct relay_under_test {
    test_certificate& cert;
    net::io_context io;
    std::unique_ptr<browser_listener> listener;
    std::thread thread;
    status_page pages{"localhost"};

    relay_under_test(test_certificate& c, browser_options options, device_directory& devices,
                     gate& g)
        : cert(c) {
        listener = std::make_unique<browser_listener>(io.get_executor(), std::move(options),
                                                      devices, g, pages);
        const auto ec = listener->open({net::ip::make_address("127.0.0.1"), 0}, cert.cert_file,
                                       cert.key_file);
        if (ec) throw std::runtime_error("listener: " + listener->last_error());
        net::co_spawn(io, listener->run(), net::detached);
        thread = std::thread([this] { io.run(); });
    }
    ~relay_under_test() {
        listener->stop();
        io.stop();
        thread.join();
    }
    std::uint16_t port() const { return listener->local_endpoint().port(); }
    const browser_stats& stats() const { return listener->stats(); }
};

// ---------------------------------------------------------------------------------------
// A browser-like client, synchronous. A guard shuts its socket down if a test would
// otherwise hang (a generous bound for a failing case, not a measurement).

class browser_client {
public:
    browser_client(std::uint16_t port, const std::string& sni, const std::string& ca_pem,
                   bool verify = true)
        : ctx_(ssl::context::tls_client), stream_(io_, ctx_) {
        ctx_.add_certificate_authority(net::buffer(ca_pem));
        ctx_.set_verify_mode(verify ? ssl::verify_peer : ssl::verify_none);
        if (verify && !sni.empty()) stream_.set_verify_callback(ssl::host_name_verification(sni));
        if (!sni.empty()) SSL_set_tlsext_host_name(stream_.native_handle(), sni.c_str());
        stream_.next_layer().connect({net::ip::make_address("127.0.0.1"), port});
        guard_ = std::thread([this] {
            std::unique_lock lock(mutex_);
            if (!cv_.wait_for(lock, std::chrono::seconds(900), [this] { return done_; }))
                ::shutdown(stream_.next_layer().native_handle(), SHUT_RDWR);
        });
    }
    ~browser_client() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        guard_.join();
    }

    error_code handshake() {
        error_code ec;
        stream_.handshake(ssl::stream_base::client, ec);
        return ec;
    }

    http::response<http::string_body> request(http::verb method, const std::string& target,
                                              const std::string& host,
                                              std::vector<std::pair<std::string, std::string>> fields = {},
                                              std::string body = {}) {
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, host);
        for (auto& [k, v] : fields) req.insert(k, v);
        if (!body.empty()) {
            req.body() = std::move(body);
            req.prepare_payload();
        }
        http::write(stream_, req);
        return read_response();
    }

    http::response<http::string_body> read_response() {
        http::response<http::string_body> res;
        error_code ec;
        http::read(stream_, buffer_, res, ec);
        last_error = ec;
        return res;
    }

    void write_raw(const std::string& bytes) { net::write(stream_, net::buffer(bytes)); }

    // Reads until the peer closes; returns what came.
    std::string read_to_end() {
        std::string out;
        out.append(static_cast<const char*>(buffer_.data().data()), buffer_.size());
        buffer_.consume(buffer_.size());
        char data[4096];
        for (;;) {
            error_code ec;
            const auto n = stream_.read_some(net::buffer(data), ec);
            out.append(data, n);
            if (ec) {
                last_error = ec;
                break;
            }
        }
        return out;
    }

    ssl::stream<tcp::socket>& stream() { return stream_; }
    beast::flat_buffer& buffer() { return buffer_; }
    error_code last_error;

private:
    net::io_context io_;
    ssl::context ctx_;
    ssl::stream<tcp::socket> stream_;
    beast::flat_buffer buffer_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread guard_;
};

// PRINTGATE_PROXY_TEST_BYTES shrinks the big transfers for a quick local run.
std::uint64_t big_bytes(std::uint64_t standard) {
    if (const char* env = std::getenv("PRINTGATE_PROXY_TEST_BYTES")) return std::stoull(env);
    return standard;
}

browser_options test_options() {
    browser_options o;
    o.zone = "localhost";
    o.idle_timeout = std::chrono::seconds(30);
    o.handshake_timeout = std::chrono::seconds(30);
    return o;
}

class proxy_test : public ::testing::Test {
protected:
    test_certificate cert;
    test_origin origin;
    fake_directory devices{origin.endpoint()};
    loopback_demo_gate demo_gate{true};

    std::string host(const relay_under_test& relay, const std::string& name) const {
        return name + ":" + std::to_string(relay.port());
    }
};

// ---------------------------------------------------------------------------------------

TEST_F(proxy_test, routes_devices_and_the_apex_by_host) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);

    browser_client device(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(device.handshake());
    auto res = device.request(http::verb::get, "/hello", host(relay, "printer1.localhost"));
    EXPECT_EQ(res.result_int(), 200U);
    EXPECT_EQ(res.body(), "hello, request 1 on this connection");

    browser_client apex(relay.port(), "localhost", cert.cert_pem);
    ASSERT_FALSE(apex.handshake());
    auto page = apex.request(http::verb::get, "/", host(relay, "localhost"));
    EXPECT_EQ(page.result_int(), 200U);
    EXPECT_NE(page.body().find("printgate relay"), std::string::npos);
    EXPECT_EQ(page[http::field::cache_control], "no-store");
    auto missing = apex.request(http::verb::get, "/nothing-here", host(relay, "localhost"));
    EXPECT_EQ(missing.result_int(), 404U);
    EXPECT_EQ(devices.opens.load(), 1);  // the apex never opened a device stream
}

TEST_F(proxy_test, refuses_foreign_nested_and_invalid_hosts_clearly) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    {
        // No SNI (a client that connected by address), a Host outside the zone.
        browser_client c(relay.port(), "", cert.cert_pem, false);
        ASSERT_FALSE(c.handshake());
        auto res = c.request(http::verb::get, "/", "evil.example.com");
        EXPECT_EQ(res.result_int(), 421U);
        EXPECT_NE(res.body().find("This relay serves localhost"), std::string::npos);
        auto nested = c.request(http::verb::get, "/", "a.printer1.localhost");
        EXPECT_EQ(nested.result_int(), 404U);
        auto literal = c.request(http::verb::get, "/", "127.0.0.1");
        EXPECT_EQ(literal.result_int(), 421U);
    }
    {
        browser_client c(relay.port(), "", cert.cert_pem, false);
        ASSERT_FALSE(c.handshake());
        auto res = c.request(http::verb::get, "/", "bad_name.localhost");
        EXPECT_EQ(res.result_int(), 400U);
        EXPECT_FALSE(res.keep_alive());
    }
    {
        // SNI for printer1, Host for printer2: one connection never serves two printers.
        browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
        ASSERT_FALSE(c.handshake());
        auto res = c.request(http::verb::get, "/hello", host(relay, "printer2.localhost"));
        EXPECT_EQ(res.result_int(), 421U);
    }
    EXPECT_EQ(origin.connections(), 0);
    EXPECT_EQ(devices.opens.load(), 0);
}

TEST_F(proxy_test, keep_alive_reuses_one_device_stream) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());
    for (int i = 1; i <= 5; ++i) {
        auto res = c.request(http::verb::get, "/hello", host(relay, "printer1.localhost"));
        ASSERT_EQ(res.result_int(), 200U);
        EXPECT_EQ(res.body(), "hello, request " + std::to_string(i) + " on this connection");
        EXPECT_TRUE(res.keep_alive());
    }
    EXPECT_EQ(origin.connections(), 1);
    EXPECT_EQ(devices.opens.load(), 1);
    EXPECT_EQ(relay.stats().upstream_streams.load(), 1U);
    EXPECT_EQ(relay.stats().requests.load(), 5U);
}

// A chunked upload then, on the same browser connection and device stream, a chunked
// response. Failed (502 on the second request: the origin had closed the stream) until the
// proxy's body pump had room to read 32 KiB at once (7628bbc).
TEST_F(proxy_test, chunked_request_and_response_pass_through) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());

    // A chunked upload of 300,000 pattern bytes in uneven chunks, written by hand.
    std::string raw = "POST /upload HTTP/1.1\r\nHost: " + host(relay, "printer1.localhost") +
                      "\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::uint64_t offset = 0;
    for (std::size_t size : {1UL, 4095UL, 100000UL, 195904UL}) {
        char hex[32];
        std::snprintf(hex, sizeof hex, "%zx\r\n", size);
        raw += hex;
        std::string piece;
        for (std::size_t i = 0; i < size; ++i) piece.push_back(static_cast<char>((offset + i) % 251));
        raw += piece + "\r\n";
        offset += size;
    }
    raw += "0\r\n\r\n";
    c.write_raw(raw);
    auto upload = c.read_response();
    ASSERT_EQ(upload.result_int(), 200U);
    EXPECT_EQ(upload.body(), "bytes=300000 ok=1 te=chunked");

    auto chunked = c.request(http::verb::get, "/chunked", host(relay, "printer1.localhost"));
    ASSERT_EQ(chunked.result_int(), 200U);
    EXPECT_EQ(chunked.body(), "alpha-beta-gamma");
    EXPECT_TRUE(chunked.chunked());
    EXPECT_TRUE(chunked.keep_alive());
    EXPECT_EQ(origin.connections(), 1);  // both on the same device stream
}

// Reads a response body as it comes, without keeping it, handing each piece to `sink`.
template <class Sink>
http::response_parser<http::buffer_body>::value_type::header_type read_streamed(
    browser_client& c, Sink sink, error_code& ec) {
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    http::read_header(c.stream(), c.buffer(), parser, ec);
    if (ec) return {};
    std::vector<char> chunk(64 * 1024);
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        http::read_some(c.stream(), c.buffer(), parser, ec);  // whatever has arrived
        if (ec == http::error::need_buffer) ec = {};
        if (ec) break;
        if (!sink(chunk.data(), chunk.size() - parser.get().body().size)) break;
    }
    return parser.get().base();
}

TEST_F(proxy_test, a_1_gib_response_streams_through_bounded_buffers) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());
    const std::uint64_t total = big_bytes(1ULL << 30);
    http::request<http::empty_body> req{http::verb::get, "/big?bytes=" + std::to_string(total), 11};
    req.set(http::field::host, host(relay, "printer1.localhost"));
    http::write(c.stream(), req);

    std::uint64_t received = 0;
    bool intact = true;
    error_code ec;
    auto head = read_streamed(c, [&](const char* data, std::size_t n) {
        if (!matches_pattern(data, n, received)) intact = false;
        received += n;
        return true;
    }, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(head.result_int(), 200U);
    EXPECT_EQ(head[http::field::content_length], std::to_string(total));
    EXPECT_EQ(received, total);
    EXPECT_TRUE(intact);
    EXPECT_EQ(relay.stats().bytes_to_browser.load(), total);
    // The whole gigabyte went through buffers that never held more than this at once.
    const auto o = test_options();
    const auto bound = o.max_header_bytes + o.max_response_header_bytes + 4 * o.chunk_bytes;
    EXPECT_GT(relay.stats().peak_connection_buffer_bytes.load(), 0U);
    EXPECT_LE(relay.stats().peak_connection_buffer_bytes.load(), bound);

    // And the connection is still good for another request.
    auto res = c.request(http::verb::get, "/hello", host(relay, "printer1.localhost"));
    EXPECT_EQ(res.result_int(), 200U);
}

TEST_F(proxy_test, a_large_upload_streams_through_bounded_buffers) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());
    const std::uint64_t total = big_bytes(256ULL << 20);
    http::request<http::buffer_body> req{http::verb::post, "/upload", 11};
    req.set(http::field::host, host(relay, "printer1.localhost"));
    req.content_length(total);
    http::request_serializer<http::buffer_body> sr{req};
    req.body().data = nullptr;
    req.body().more = true;
    error_code ec;
    http::write_header(c.stream(), sr, ec);
    ASSERT_FALSE(ec);
    for (std::uint64_t sent = 0; sent < total;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(pattern_block, total - sent));
        req.body().data = const_cast<char*>(pattern().data() + sent % 251);
        req.body().size = n;
        req.body().more = sent + n < total;
        http::write(c.stream(), sr, ec);
        if (ec == http::error::need_buffer) ec = {};
        ASSERT_FALSE(ec) << ec.message();
        sent += n;
    }
    auto res = c.read_response();
    ASSERT_EQ(res.result_int(), 200U);
    EXPECT_EQ(res.body(), "bytes=" + std::to_string(total) + " ok=1 te=none");
    EXPECT_EQ(relay.stats().bytes_to_device.load(), total);
    const auto o = test_options();
    EXPECT_LE(relay.stats().peak_connection_buffer_bytes.load(),
              o.max_header_bytes + o.max_response_header_bytes + 4 * o.chunk_bytes);
}

TEST_F(proxy_test, an_endless_mjpeg_response_arrives_part_by_part) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());
    http::request<http::empty_body> req{http::verb::get, "/mjpeg", 11};
    req.set(http::field::host, host(relay, "printer1.localhost"));
    http::write(c.stream(), req);

    // The origin sends part N+1 only after this client has seen part N: if the relay held
    // the response back, the test would stop here (and its guard would fail it).
    std::string seen;
    int next = 1;
    error_code ec;
    auto head = read_streamed(c, [&](const char* data, std::size_t n) {
        seen.append(data, n);
        while (seen.find("frame-" + std::to_string(next)) != std::string::npos) {
            if (next == 3) return false;
            ++next;
            origin.allow_frame();
        }
        return true;
    }, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_EQ(head.result_int(), 200U);
    EXPECT_EQ(head[http::field::content_type], "multipart/x-mixed-replace;boundary=frame");
    EXPECT_EQ(next, 3);
    EXPECT_NE(seen.find("frame-3"), std::string::npos);
}

TEST_F(proxy_test, websocket_echo_and_relay_pings_reach_through) {
    auto options = test_options();
    options.websocket_ping_interval = std::chrono::milliseconds(50);
    relay_under_test relay(cert, options, devices, demo_gate);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());
    websocket::stream<ssl::stream<tcp::socket>&> ws(c.stream());
    ws.handshake(host(relay, "printer1.localhost"), "/ws");
    ws.text(true);
    beast::flat_buffer buffer;
    for (const char* message : {"hello", "through the relay"}) {
        ws.write(net::buffer(std::string_view(message)));
        ws.read(buffer);
        EXPECT_EQ(beast::buffers_to_string(buffer.data()), message);
        buffer.consume(buffer.size());
    }
    // Now quiet: the relay pings this client; Beast answers with a pong, which the relay
    // forwards to the origin, which says so.
    int pings = 0;
    ws.control_callback([&](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping) ++pings;
    });
    ws.write(net::buffer(std::string_view("tell-me-about-pongs")));
    ws.read(buffer);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), "pong seen");
    EXPECT_GE(pings, 1);
    EXPECT_GE(relay.stats().websocket_pings.load(), 1U);
    ws.close(websocket::close_code::normal);
}

TEST_F(proxy_test, identity_headers_from_the_browser_are_replaced) {
    recording_gate g;
    relay_under_test relay(cert, test_options(), devices, g);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());
    auto res = c.request(http::verb::get, "/headers", host(relay, "Printer1.LOCALHOST"),
                         {{"X-Forwarded-For", "10.9.9.9"},
                          {"x-forwarded-proto", "http"},
                          {"X-Forwarded-Host", "evil.example.com"},
                          {"Forwarded", "for=10.9.9.9"},
                          {"X-Real-IP", "10.9.9.9"},
                          {"X-Printgate-User", "admin"},
                          {"x-printgate-role", "owner"},
                          {"Cookie", "kept=1"}});
    ASSERT_EQ(res.result_int(), 200U);
    const auto& body = res.body();
    const auto h = host(relay, "printer1.localhost");
    EXPECT_NE(body.find("X-Forwarded-For: 127.0.0.1\n"), std::string::npos) << body;
    EXPECT_NE(body.find("X-Forwarded-Proto: https\n"), std::string::npos) << body;
    EXPECT_NE(body.find("X-Forwarded-Host: " + h + "\n"), std::string::npos) << body;
    EXPECT_NE(body.find("X-Printgate-User: alice\n"), std::string::npos) << body;
    EXPECT_NE(body.find("Host: " + h + "\n"), std::string::npos) << body;
    EXPECT_NE(body.find("Cookie: kept=1\n"), std::string::npos) << body;
    for (const char* forged : {"10.9.9.9", "evil.example.com", "admin", "owner", "http\n",
                               "Forwarded:", "X-Real-IP"})
        EXPECT_EQ(body.find(forged), std::string::npos) << forged << " in\n" << body;

    // The gate never saw them either, and saw the connection's own address.
    std::lock_guard lock(g.mutex);
    for (const auto& name : g.seen_fields) {
        EXPECT_EQ(name.find("X-Forwarded"), std::string::npos);
        EXPECT_NE(name, "Forwarded");
    }
    ASSERT_EQ(g.seen_hosts.size(), 1U);
    EXPECT_EQ(g.seen_hosts[0], h);
    EXPECT_EQ(g.seen_peer, "127.0.0.1");
}

TEST_F(proxy_test, an_offline_printer_gets_a_clear_page_not_a_hang) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    browser_client c(relay.port(), "printer2.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());
    for (int i = 0; i < 2; ++i) {  // and the connection stays usable
        auto res = c.request(http::verb::get, "/", host(relay, "printer2.localhost"));
        EXPECT_EQ(res.result_int(), 503U);
        EXPECT_NE(res.body().find("printer2 is offline since 2023-11-14 22:13 UTC"), std::string::npos)
            << res.body();
        EXPECT_EQ(res[http::field::retry_after], "30");
        EXPECT_EQ(res[http::field::content_type], "text/html; charset=utf-8");
    }
    browser_client unknown(relay.port(), "printer9.localhost", cert.cert_pem);
    ASSERT_FALSE(unknown.handshake());
    auto res = unknown.request(http::verb::get, "/", host(relay, "printer9.localhost"));
    EXPECT_EQ(res.result_int(), 404U);
    EXPECT_NE(res.body().find("no printer named printer9"), std::string::npos);
    EXPECT_EQ(origin.connections(), 0);
}

TEST_F(proxy_test, the_default_gate_refuses_when_sign_in_is_not_configured) {
    loopback_demo_gate closed{false};
    relay_under_test relay(cert, test_options(), devices, closed);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());
    auto res = c.request(http::verb::get, "/hello", host(relay, "printer1.localhost"));
    EXPECT_EQ(res.result_int(), 403U);
    EXPECT_NE(res.body().find("Sign-in not configured"), std::string::npos);
    EXPECT_EQ(devices.opens.load(), 0);
    EXPECT_EQ(origin.connections(), 0);
}

TEST_F(proxy_test, malformed_requests_get_400_and_the_connection_closes) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    const std::string bad[] = {
        "GET / HTTP/1.1\r\nHost printer1.localhost\r\n\r\n",
        "NOT A REQUEST\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: printer1.localhost\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: printer1.localhost\r\nTransfer-Encoding: gzip\r\n\r\n",
    };
    for (const auto& bytes : bad) {
        browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
        ASSERT_FALSE(c.handshake());
        c.write_raw(bytes);
        const auto answer = c.read_to_end();
        EXPECT_TRUE(answer.starts_with("HTTP/1.1 400 ") || answer.starts_with("HTTP/1.1 501 "))
            << answer;
        EXPECT_NE(answer.find("Connection: close"), std::string::npos);
    }
    {
        browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
        ASSERT_FALSE(c.handshake());
        c.write_raw("GET / HTTP/1.1\r\nHost: printer1.localhost\r\nX-Big: " +
                    std::string(20000, 'a') + "\r\n\r\n");
        EXPECT_TRUE(c.read_to_end().starts_with("HTTP/1.1 431 "));
    }
    EXPECT_EQ(origin.connections(), 0);
    EXPECT_GE(relay.stats().bad_requests.load(), 5U);
}

TEST_F(proxy_test, a_device_failing_mid_response_closes_the_browser_connection) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(c.handshake());
    http::request<http::empty_body> req{http::verb::get, "/broken", 11};
    req.set(http::field::host, host(relay, "printer1.localhost"));
    http::write(c.stream(), req);
    std::uint64_t received = 0;
    error_code ec;
    auto head = read_streamed(c, [&](const char*, std::size_t n) {
        received += n;
        return true;
    }, ec);
    EXPECT_EQ(head.result_int(), 200U);
    EXPECT_EQ(received, 100U);
    EXPECT_TRUE(ec);  // the body ends early, the connection ends: never a hang
}

TEST_F(proxy_test, a_silent_client_is_dropped_after_the_handshake_timeout) {
    auto options = test_options();
    options.handshake_timeout = std::chrono::milliseconds(100);
    relay_under_test relay(cert, options, devices, demo_gate);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    // Never start TLS: the relay closes the connection.
    char byte = 0;
    error_code ec;
    c.stream().next_layer().read_some(net::buffer(&byte, 1), ec);
    EXPECT_EQ(ec, net::error::eof);
    ASSERT_TRUE(printgate::testing::wait_until(
        [&] { return relay.stats().handshakes_failed.load() == 1; }, std::chrono::seconds(30)));
}

TEST_F(proxy_test, connections_over_the_limit_are_closed) {
    auto options = test_options();
    options.max_connections = 1;
    relay_under_test relay(cert, options, devices, demo_gate);
    browser_client first(relay.port(), "printer1.localhost", cert.cert_pem);
    ASSERT_FALSE(first.handshake());
    browser_client second(relay.port(), "printer1.localhost", cert.cert_pem);
    EXPECT_TRUE(second.handshake());
    EXPECT_EQ(relay.stats().connections_refused.load(), 1U);
    auto res = first.request(http::verb::get, "/hello", host(relay, "printer1.localhost"));
    EXPECT_EQ(res.result_int(), 200U);
}

TEST_F(proxy_test, tls_below_1_2_is_refused) {
    relay_under_test relay(cert, test_options(), devices, demo_gate);
    browser_client c(relay.port(), "printer1.localhost", cert.cert_pem);
    SSL_set_security_level(c.stream().native_handle(), 0);
    SSL_set_max_proto_version(c.stream().native_handle(), TLS1_1_VERSION);
    EXPECT_TRUE(c.handshake());
    ASSERT_TRUE(printgate::testing::wait_until(
        [&] { return relay.stats().handshakes_failed.load() == 1; }, std::chrono::seconds(30)));
}

}  // namespace
