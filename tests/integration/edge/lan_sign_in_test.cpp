// The LAN listener's sign-in, against the real printgate-edge: an account made with
// `printgate-edge user add` (its TOTP secret read from what the command prints, the first
// code computed here), then a browser's journey over real sockets. http.lan = true puts the
// LAN rules on 127.0.0.1; the good browser connects from 127.0.0.3, the guesser from
// 127.0.0.1, so that the guesser's address limit does not hold the owner back.
#include "edge_harness.hpp"

#include <printgate/auth/base32.hpp>
#include <printgate/auth/totp.hpp>
#include <printgate/auth/wall_clock.hpp>
#include <printgate/tunnel/identity.hpp>
#include <printgate/tunnel/identity_authority.hpp>

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <fstream>

using namespace edge_test;

namespace {

const std::string password = "violet lantern orbit kestrel 57";

// A child with its stdin and stdout on pipes, for the interactive `user add`.
class interactive_child {
public:
    explicit interactive_child(const std::vector<std::string>& argv) {
        int in[2], out[2];
        if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
        pid_ = ::fork();
        if (pid_ == 0) {
            ::dup2(in[0], STDIN_FILENO);
            ::dup2(out[1], STDOUT_FILENO);
            std::vector<char*> args;
            for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        to_child_ = in[1];
        from_child_ = out[0];
    }
    ~interactive_child() {
        if (to_child_ >= 0) ::close(to_child_);
        if (from_child_ >= 0) ::close(from_child_);
        if (pid_ > 0 && !status_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    void write_line(const std::string& line) {
        const std::string text = line + "\n";
        ASSERT_EQ(::write(to_child_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    }
    // Reads until `marker` and the end of its line have arrived; the rest of that line.
    std::string read_line_after(const std::string& marker) {
        for (;;) {
            auto at = output_.find(marker);
            if (at != std::string::npos) {
                auto end = output_.find('\n', at);
                if (end != std::string::npos) return output_.substr(at + marker.size(), end - at - marker.size());
            }
            if (!read_some()) return {};
        }
    }
    // Closes stdin, reads to the end, returns the exit status.
    int finish() {
        ::close(to_child_);
        to_child_ = -1;
        while (read_some()) {
        }
        int status = 0;
        ::waitpid(pid_, &status, 0);
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return *status_;
    }
    const std::string& output() const { return output_; }

private:
    bool read_some() {
        pollfd p{from_child_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(patience.count())) <= 0) return false;
        char buf[4096];
        const ssize_t n = ::read(from_child_, buf, sizeof buf);
        if (n <= 0) return false;
        output_.append(buf, static_cast<std::size_t>(n));
        return true;
    }
    pid_t pid_ = -1;
    int to_child_ = -1, from_child_ = -1;
    std::optional<int> status_;
    std::string output_;
};

// The LAN listener speaks HTTPS. A request goes out only after the certificate the edge
// showed was checked against `pin`, the SHA-256 fingerprint it logged ("AB:CD:..."), as a user
// compares it with what the browser shows.
struct tls_client {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = nullptr;
    ~tls_client() {
        if (ssl) SSL_free(ssl);
        SSL_CTX_free(ctx);
    }
    // The handshake on `fd`; false when it fails or the certificate is not the pinned one.
    bool start(int fd, const std::string& pin) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);  // no CA vouches for it: the pin does
        ssl = SSL_new(ctx);
        SSL_set_fd(ssl, fd);
        if (SSL_connect(ssl) != 1) return false;
        X509* cert = SSL_get1_peer_certificate(ssl);
        if (!cert) return false;
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned len = 0;
        X509_digest(cert, EVP_sha256(), md, &len);
        X509_free(cert);
        std::string seen;
        static const char* hex = "0123456789ABCDEF";
        for (unsigned i = 0; i < len; ++i) {
            if (i) seen += ':';
            seen += hex[md[i] >> 4];
            seen += hex[md[i] & 15];
        }
        return seen == pin;
    }
};

// The fingerprint the edge logged at start ("" when it logged none).
std::string logged_fingerprint(const std::string& log) {
    const std::string marker = "SHA-256 fingerprint ";
    auto at = log.find(marker);
    if (at == std::string::npos) return {};
    return log.substr(at + marker.size(), 95);
}

std::string lan_pin;  // the fingerprint the requests below insist on ("": plain HTTP)

// One request from source address `from` (127.0.0.X) to the edge on 127.0.0.1.
http_reply request_from(const std::string& from, int port, const std::string& method, const std::string& target,
                        const std::string& extra_headers = {}, const std::string& form = {}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    ::inet_pton(AF_INET, from.c_str(), &src.sin_addr);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(static_cast<std::uint16_t>(port));
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
        ::close(fd);
        return {};
    }
    tls_client tls;
    if (!lan_pin.empty() && !tls.start(fd, lan_pin)) {
        ::close(fd);
        return {};
    }
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                      (extra_headers.find("Connection:") == std::string::npos ? "Connection: close\r\n" : "") + extra_headers;
    if (method == "POST")
        req += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(form.size()) + "\r\n";
    req += "\r\n" + form;
    if (tls.ssl) {
        if (SSL_write(tls.ssl, req.data(), static_cast<int>(req.size())) != static_cast<int>(req.size())) {
            ::close(fd);
            return {};
        }
    } else {
        send_all(fd, req);
    }
    // Until the whole answer is in: a 101 keeps the connection open.
    std::string raw;
    char buf[16384];
    for (;;) {
        const auto end = raw.find("\r\n\r\n");
        if (end != std::string::npos) {
            if (raw.compare(9, 3, "101") == 0) break;
            const auto cl = raw.find("Content-Length: ");
            if (cl != std::string::npos && cl < end && raw.size() >= end + 4 + std::stoul(raw.substr(cl + 16))) break;
        }
        if (!tls.ssl || SSL_pending(tls.ssl) == 0) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(patience.count())) <= 0) break;
        }
        const ssize_t n = tls.ssl ? SSL_read(tls.ssl, buf, sizeof buf) : ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        raw.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return parse_reply(raw);
}

// The value a Set-Cookie header of the reply gives `name` ("" when none does).
std::string set_cookie_value(const http_reply& r, const std::string& name) {
    const std::string marker = "Set-Cookie: " + name + "=";
    auto at = r.head.find(marker);
    if (at == std::string::npos) return {};
    at += marker.size();
    return r.head.substr(at, r.head.find_first_of(";\r", at) - at);
}

std::string header_value(const http_reply& r, const std::string& name) {
    auto at = r.head.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    at += name.size() + 4;
    return r.head.substr(at, r.head.find("\r\n", at) - at);
}

// The hidden csrf field of a page's form.
std::string csrf_of(const http_reply& r) {
    const std::string marker = "name=\"csrf\" value=\"";
    auto at = r.body.find(marker);
    if (at == std::string::npos) return {};
    at += marker.size();
    return r.body.substr(at, r.body.find('"', at) - at);
}

std::string form_escape(const std::string& s) {
    std::string out;
    for (char c : s) out += c == ' ' ? std::string("+") : std::string(1, c);
    return out;
}

std::string websocket_upgrade(const std::string& cookie_header) {
    return "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
           cookie_header;
}

struct signed_up {
    std::vector<std::uint8_t> secret;
    std::uint64_t confirmed_step = 0;
    std::string output;  // what the command printed (the recovery codes among it)
};

// `printgate-edge user add alice` (or `action` reset-2fa, totp): password on stdin, the secret
// read back, a first code.
std::optional<signed_up> add_account(const fs::path& state, const std::string& name, const std::string& action = "add") {
    interactive_child add({PRINTGATE_EDGE_BIN, "user", action, name, "--state-dir", state.string()});
    add.write_line(password);
    const auto secret_text = add.read_line_after("secret: ");
    auto secret = printgate::auth::base32_decode(secret_text);
    EXPECT_TRUE(secret) << add.output();
    if (!secret) return std::nullopt;
    printgate::auth::totp totp;
    const auto now = printgate::auth::system_wall_clock::instance().now();
    add.write_line(totp.code_at(secret.value(), now));
    const int status = add.finish();
    EXPECT_EQ(status, 0) << add.output();
    EXPECT_NE(add.output().find("otpauth://totp/"), std::string::npos) << add.output();
    EXPECT_NE(add.output().find("recovery codes"), std::string::npos) << add.output();
    if (status != 0) return std::nullopt;
    return signed_up{secret.value(), totp.step_at(now), add.output()};
}

// Password then a TOTP code from `account`'s secret, from address `from`: the full session's
// cookie value ("" when refused).
std::string sign_in(const std::string& from, int port, const signed_up& account) {
    auto form = request_from(from, port, "GET", "/lan/sign-in");
    const auto token = set_cookie_value(form, "printgate-sign-in");
    auto step1 = request_from(from, port, "POST", "/lan/sign-in", "Cookie: printgate-sign-in=" + token + "\r\n",
                              "csrf=" + token + "&name=alice&password=" + form_escape(password));
    const auto half = set_cookie_value(step1, "printgate-session");
    if (step1.status != 303 || half.empty()) return {};
    auto code_page = request_from(from, port, "GET", "/lan/second-factor", "Cookie: printgate-session=" + half + "\r\n");
    printgate::auth::totp totp;
    const auto step = std::max(account.confirmed_step + 1, totp.step_at(printgate::auth::system_wall_clock::instance().now()));
    auto step2 = request_from(from, port, "POST", "/lan/second-factor", "Cookie: printgate-session=" + half + "\r\n",
                              "csrf=" + csrf_of(code_page) + "&code=" + totp.code_at_step(account.secret, step));
    return step2.status == 303 ? set_cookie_value(step2, "printgate-session") : std::string();
}

// The ten recovery codes a command printed (the indented lines after "recovery codes (...):").
std::vector<std::string> recovery_codes_in(const std::string& output) {
    std::vector<std::string> codes;
    auto at = output.find("recovery codes (");
    if (at == std::string::npos) return codes;
    at = output.find('\n', at);
    while (at != std::string::npos && output.compare(at + 1, 2, "  ") == 0) {
        const auto end = output.find('\n', at + 1);
        codes.push_back(output.substr(at + 3, end - at - 3));
        at = end;
    }
    return codes;
}

TEST(lan_sign_in, a_browser_signs_in_with_password_and_totp_and_identity_headers_count_for_nothing) {
    temp_dir dir;
    const auto state = dir / "state";
    auto alice = add_account(state, "alice");
    ASSERT_TRUE(alice);

    edge_process edge(dir, demo_args(dir, state, "[http]\nlan = true\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();
    const int port = edge.port();
    const std::string guesser = "127.0.0.1", owner = "127.0.0.3";
    // HTTPS with a certificate made into the state folder, its fingerprint logged.
    lan_pin = logged_fingerprint(edge.log());
    ASSERT_EQ(lan_pin.size(), 95u) << edge.log();
    EXPECT_NE(edge.process().out().find(" tls_sha256=" + lan_pin), std::string::npos) << edge.process().out();

    // Nobody signed in: the API says 401, a page sends the browser to the sign-in page.
    EXPECT_EQ(request_from(owner, port, "GET", "/api/v1/state").status, 401);
    auto page = request_from(owner, port, "GET", "/");
    EXPECT_EQ(page.status, 303);
    EXPECT_EQ(header_value(page, "Location"), "/lan/sign-in");
    // Identity headers are not a sign-in, nor is a WebSocket upgrade without a session.
    EXPECT_EQ(request_from(owner, port, "GET", "/api/v1/state",
                           "X-Printgate-User: alice\r\nX-Forwarded-For: 192.168.1.5\r\nX-Forwarded-User: alice\r\n")
                  .status,
              401);
    EXPECT_EQ(request_from(owner, port, "GET", "/api/v1/ws", websocket_upgrade("X-Printgate-User: alice\r\n")).status, 401);
    // Slicers keep their API key.
    std::ifstream key_file(state / "api_key");
    std::string api_key;
    std::getline(key_file, api_key);
    EXPECT_EQ(request_from(guesser, port, "GET", "/api/version", "X-Api-Key: " + api_key + "\r\n").status, 200);

    // A guesser: the wrong password is refused, and soon rate limited.
    auto form = request_from(guesser, port, "GET", "/lan/sign-in");
    ASSERT_EQ(form.status, 200);
    auto guess_token = set_cookie_value(form, "printgate-sign-in");
    ASSERT_FALSE(guess_token.empty());
    EXPECT_EQ(csrf_of(form), guess_token);
    const std::string guess_cookie = "Cookie: printgate-sign-in=" + guess_token + "\r\n";
    auto wrong = request_from(guesser, port, "POST", "/lan/sign-in", guess_cookie,
                              "csrf=" + guess_token + "&name=alice&password=not+the+password+at+all");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_TRUE(set_cookie_value(wrong, "printgate-session").empty());
    // Without the form's anti-CSRF value nothing is tried.
    EXPECT_EQ(request_from(guesser, port, "POST", "/lan/sign-in", {}, "name=alice&password=x").status, 303);
    bool limited = false;
    for (int i = 0; i < 15 && !limited; ++i) {
        auto r = request_from(guesser, port, "POST", "/lan/sign-in", guess_cookie,
                              "csrf=" + guess_token + "&name=mallory&password=guess+number+" + std::to_string(i));
        if (r.status == 429) {
            limited = true;
            EXPECT_FALSE(header_value(r, "Retry-After").empty());
        } else {
            EXPECT_EQ(r.status, 401);
        }
    }
    EXPECT_TRUE(limited);

    // The owner: password, then a code from the app.
    form = request_from(owner, port, "GET", "/lan/sign-in");
    const auto token = set_cookie_value(form, "printgate-sign-in");
    auto step1 = request_from(owner, port, "POST", "/lan/sign-in", "Cookie: printgate-sign-in=" + token + "\r\n",
                              "csrf=" + token + "&name=alice&password=" + form_escape(password));
    ASSERT_EQ(step1.status, 303) << step1.body;
    EXPECT_EQ(header_value(step1, "Location"), "/lan/second-factor");
    const auto half = set_cookie_value(step1, "printgate-session");
    ASSERT_FALSE(half.empty());
    EXPECT_EQ(request_from(owner, port, "GET", "/api/v1/state", "Cookie: printgate-session=" + half + "\r\n").status, 401);
    auto code_page = request_from(owner, port, "GET", "/lan/second-factor", "Cookie: printgate-session=" + half + "\r\n");
    ASSERT_EQ(code_page.status, 200);
    // A step after the one `user add` used (replays are refused), and within a step of now.
    printgate::auth::totp totp;
    const auto step = std::max(alice->confirmed_step + 1, totp.step_at(printgate::auth::system_wall_clock::instance().now()));
    auto step2 = request_from(owner, port, "POST", "/lan/second-factor", "Cookie: printgate-session=" + half + "\r\n",
                              "csrf=" + csrf_of(code_page) + "&code=" + totp.code_at_step(alice->secret, step));
    ASSERT_EQ(step2.status, 303) << step2.body;
    EXPECT_EQ(header_value(step2, "Location"), "/");  // on to the printer's home page
    const auto full = set_cookie_value(step2, "printgate-session");
    ASSERT_FALSE(full.empty());
    EXPECT_NE(full, half);
    EXPECT_NE(step2.head.find("HttpOnly; SameSite=Strict; Path=/; Secure"), std::string::npos) << step2.head;
    const std::string session = "Cookie: printgate-session=" + full + "\r\n";

    auto printer = request_from(owner, port, "GET", "/api/v1/state", session);
    EXPECT_EQ(printer.status, 200) << printer.body;
    auto home_page = request_from(owner, port, "GET", "/", session);
    EXPECT_EQ(home_page.status, 200) << home_page.body;
    EXPECT_NE(home_page.body.find("<h1>Generic Marlin printer</h1>"), std::string::npos) << home_page.body;
    EXPECT_EQ(request_from(owner, port, "GET", "/api/v1/state", "Cookie: printgate-session=" + half + "\r\n").status, 401);
    EXPECT_EQ(request_from(owner, port, "GET", "/api/v1/ws", websocket_upgrade(session)).status, 101);

    // Sign-out (with the page's anti-CSRF value): the cookie counts for nothing again.
    auto home = request_from(owner, port, "GET", "/lan/", session);
    ASSERT_EQ(home.status, 200);
    EXPECT_NE(home.body.find("alice"), std::string::npos);
    EXPECT_EQ(request_from(owner, port, "POST", "/lan/sign-out", session, "csrf=wrong").status, 403);
    EXPECT_EQ(request_from(owner, port, "GET", "/api/v1/state", session).status, 200);
    auto out = request_from(owner, port, "POST", "/lan/sign-out", session, "csrf=" + csrf_of(home));
    EXPECT_EQ(out.status, 303);
    EXPECT_EQ(request_from(owner, port, "GET", "/api/v1/state", session).status, 401);
    EXPECT_EQ(edge.log().find(password), std::string::npos);
    lan_pin.clear();
}

TEST(lan_sign_in, on_loopback_without_http_lan_nothing_changes) {
    temp_dir dir;
    edge_process edge(dir, demo_args(dir, dir / "state"));
    ASSERT_TRUE(edge.ready()) << edge.log();
    EXPECT_EQ(request(edge.port(), "GET", "/api/v1/state").status, 200);
    EXPECT_EQ(request(edge.port(), "GET", "/lan/sign-in").status, 404);
    EXPECT_FALSE(fs::exists(dir / "state" / "auth.db"));
}

// The made certificate: kept in the state folder (key 0600) and the same after a restart; a
// plain-HTTP client and a client pinned to another fingerprint get nothing.
TEST(lan_sign_in, the_lan_certificate_is_made_once_and_plain_http_gets_nothing) {
    temp_dir dir;
    const auto state = dir / "state";
    std::string first;
    {
        edge_process edge(dir, demo_args(dir, state, "[http]\nlan = true\n"));
        ASSERT_TRUE(edge.ready()) << edge.log();
        first = logged_fingerprint(edge.log());
        ASSERT_EQ(first.size(), 95u) << edge.log();
        struct stat st {};
        ASSERT_EQ(::stat((state / "lan-tls.key").c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0600u);
        EXPECT_TRUE(fs::exists(state / "lan-tls.pem"));
        lan_pin = first;
        EXPECT_EQ(request_from("127.0.0.1", edge.port(), "GET", "/api/v1/state").status, 401);
        lan_pin = "00" + first.substr(2);  // another certificate: the client sends nothing
        EXPECT_EQ(request_from("127.0.0.1", edge.port(), "GET", "/api/v1/state").status, 0);
        lan_pin.clear();  // plain HTTP to the HTTPS listener: no HTTP answer
        EXPECT_EQ(request_from("127.0.0.1", edge.port(), "GET", "/api/v1/state").status, 0);
        EXPECT_EQ(edge.process().stop(), 0) << edge.log();
    }
    edge_process again(dir, demo_args(dir, state, "[http]\nlan = true\n"), "again");
    ASSERT_TRUE(again.ready()) << again.log();
    EXPECT_EQ(logged_fingerprint(again.log()), first);
}

// http.tls_cert and http.tls_key: the owner's certificate is served instead.
TEST(lan_sign_in, a_configured_certificate_is_served) {
    temp_dir dir;
    const auto state = dir / "state";
    const auto now = std::chrono::system_clock::now();
    auto ca = printgate::tunnel::identity_authority::create("test CA", now);
    ASSERT_TRUE(ca) << ca.message();
    auto key = printgate::tunnel::generate_p256_key();
    ASSERT_TRUE(key);
    auto cert = ca->sign_server(**key, {"printer.lan", "127.0.0.1"}, now, std::chrono::hours(24));
    ASSERT_TRUE(cert) << cert.message();
    printgate::testing::write_file(dir / "own.pem", *printgate::tunnel::certificate_to_pem(**cert) + ca->certificate_pem());
    printgate::testing::write_file(dir / "own.key", *printgate::tunnel::private_key_to_pem(**key));
    const auto hex = printgate::tunnel::fingerprint_sha256(**cert);
    std::string expected;
    for (std::size_t i = 0; i < hex.size(); ++i) {
        if (i > 0 && i % 2 == 0) expected += ':';
        expected += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    }
    edge_process edge(dir, demo_args(dir, state, "[http]\nlan = true\ntls_cert = \"" + (dir / "own.pem").string() +
                                                     "\"\ntls_key = \"" + (dir / "own.key").string() + "\"\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();
    EXPECT_EQ(logged_fingerprint(edge.log()), expected) << edge.log();
    EXPECT_FALSE(fs::exists(state / "lan-tls.key"));
    std::ifstream key_file(state / "api_key");
    std::string api_key;
    std::getline(key_file, api_key);
    lan_pin = expected;
    EXPECT_EQ(request_from("127.0.0.1", edge.port(), "GET", "/api/version", "X-Api-Key: " + api_key + "\r\n").status, 200);
    lan_pin.clear();
}

// `printgate-edge user reset-2fa alice`: a new secret and new recovery codes, the old session
// ended, the old secret useless; a wrong password changes nothing.
TEST(lan_sign_in, reset_2fa_replaces_the_secret_and_recovery_codes_and_ends_sessions) {
    temp_dir dir;
    const auto state = dir / "state";
    auto alice = add_account(state, "alice");
    ASSERT_TRUE(alice);
    const auto old_codes = recovery_codes_in(alice->output);
    ASSERT_EQ(old_codes.size(), 10u) << alice->output;

    edge_process edge(dir, demo_args(dir, state, "[http]\nlan = true\n"));
    ASSERT_TRUE(edge.ready()) << edge.log();
    lan_pin = logged_fingerprint(edge.log());
    const int port = edge.port();
    const auto session = sign_in("127.0.0.3", port, *alice);
    ASSERT_FALSE(session.empty()) << edge.log();
    const std::string cookie = "Cookie: printgate-session=" + session + "\r\n";
    EXPECT_EQ(request_from("127.0.0.3", port, "GET", "/api/v1/state", cookie).status, 200);

    {
        interactive_child wrong({PRINTGATE_EDGE_BIN, "user", "reset-2fa", "alice", "--state-dir", state.string()});
        wrong.write_line("not the password of alice at all");
        EXPECT_NE(wrong.finish(), 0) << wrong.output();
        EXPECT_EQ(wrong.output().find("secret: "), std::string::npos) << wrong.output();
    }
    EXPECT_EQ(request_from("127.0.0.3", port, "GET", "/api/v1/state", cookie).status, 200);

    auto reset = add_account(state, "alice", "reset-2fa");
    ASSERT_TRUE(reset);
    EXPECT_NE(reset->secret, alice->secret);
    const auto new_codes = recovery_codes_in(reset->output);
    ASSERT_EQ(new_codes.size(), 10u) << reset->output;
    for (const auto& c : new_codes) EXPECT_EQ(std::find(old_codes.begin(), old_codes.end(), c), old_codes.end()) << c;
    EXPECT_NE(reset->output.find("1 session(s) ended"), std::string::npos) << reset->output;

    // The old session is over, and the old app's codes are refused.
    EXPECT_EQ(request_from("127.0.0.3", port, "GET", "/api/v1/state", cookie).status, 401);
    signed_up old_app = *alice;
    old_app.confirmed_step = reset->confirmed_step;
    EXPECT_TRUE(sign_in("127.0.0.3", port, old_app).empty());
    const auto again = sign_in("127.0.0.4", port, *reset);
    ASSERT_FALSE(again.empty()) << edge.log();
    EXPECT_EQ(request_from("127.0.0.4", port, "GET", "/api/v1/state", "Cookie: printgate-session=" + again + "\r\n").status, 200);
    lan_pin.clear();
}

}  // namespace
