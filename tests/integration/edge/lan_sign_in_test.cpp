// The LAN listener's sign-in, against the real printgate-edge: an account made with
// `printgate-edge user add` (its TOTP secret read from what the command prints, the first
// code computed here), then a browser's journey over real sockets. http.lan = true puts the
// LAN rules on 127.0.0.1; the good browser connects from 127.0.0.3, the guesser from
// 127.0.0.1, so that the guesser's address limit does not hold the owner back.
#include "edge_harness.hpp"

#include <printgate/auth/base32.hpp>
#include <printgate/auth/totp.hpp>
#include <printgate/auth/wall_clock.hpp>

#include <fcntl.h>
#include <sys/wait.h>

#include <algorithm>
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
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                      (extra_headers.find("Connection:") == std::string::npos ? "Connection: close\r\n" : "") + extra_headers;
    if (method == "POST")
        req += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + std::to_string(form.size()) + "\r\n";
    req += "\r\n" + form;
    send_all(fd, req);
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
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(patience.count())) <= 0) break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
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
};

// `printgate-edge user add alice`: password on stdin, the secret read back, a first code.
std::optional<signed_up> add_account(const fs::path& state, const std::string& name) {
    interactive_child add({PRINTGATE_EDGE_BIN, "user", "add", name, "--state-dir", state.string()});
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
    return signed_up{secret.value(), totp.step_at(now)};
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
    const auto full = set_cookie_value(step2, "printgate-session");
    ASSERT_FALSE(full.empty());
    EXPECT_NE(full, half);
    EXPECT_NE(step2.head.find("HttpOnly; SameSite=Strict"), std::string::npos) << step2.head;
    const std::string session = "Cookie: printgate-session=" + full + "\r\n";

    auto printer = request_from(owner, port, "GET", "/api/v1/state", session);
    EXPECT_EQ(printer.status, 200) << printer.body;
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
}

TEST(lan_sign_in, on_loopback_without_http_lan_nothing_changes) {
    temp_dir dir;
    edge_process edge(dir, demo_args(dir, dir / "state"));
    ASSERT_TRUE(edge.ready()) << edge.log();
    EXPECT_EQ(request(edge.port(), "GET", "/api/v1/state").status, 200);
    EXPECT_EQ(request(edge.port(), "GET", "/lan/sign-in").status, 404);
    EXPECT_FALSE(fs::exists(dir / "state" / "auth.db"));
}

}  // namespace
