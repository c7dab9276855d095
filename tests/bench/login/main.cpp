// bench login: the relay's sign-in under a password-guessing flood, on loopback, in one run.
//  1. Argon2id time per hash at the relay's parameters (64 MiB, t=3, p=1), measured here
//     with the same library.
//  2. A bounded flood: 20 s of wrong passwords from 50 loopback source addresses
//     (127.0.0.10-59, one keep-alive connection each) at >= 500 attempts/s, against the real
//     accounts' names, while a real user signs in (password + TOTP, from a browser that
//     signed in before) once a second from their own address, each time a new connection.
//  3. The relay's own counters (SIGUSR1 -> "printgate-relay stats ...") before and after:
//     how many Argon2 hashes the flood cost against how many attempts arrived. The peer is
//     a gate without rate limits in front of Argon2, which hashes once per attempt.
// Last line: BENCH login argon2_ms=.. user_p50_ms=.. user_p99_ms=.. user_success_pct=..
//            attacker_successes=.. hashes=.. attempts=..
#include <csignal>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include <printgate/auth/base32.hpp>
#include <printgate/auth/password_hasher.hpp>
#include <printgate/auth/totp.hpp>

#include "browser_client.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

using namespace printgate::testing;
namespace net = boost::asio;
namespace http = boost::beast::http;
namespace auth = printgate::auth;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

constexpr int attacker_addresses = 50;
constexpr int target_rate = 600;  // attempts/s across all attackers
constexpr auto flood_time = 20s;
constexpr int users = 21;  // one sign-in a second for 20 s, each account once (TOTP steps are single-use)
const std::string password = "tram velvet oxide harbour";

// A keep-alive HTTPS connection from one loopback source address.
class connection {
public:
    connection(std::uint16_t port, std::string source) : port_(port), source_(std::move(source)) {
        tls_.set_verify_mode(net::ssl::verify_none);
    }

    // One request; reconnects when needed. Status 0 on failure.
    http::response<http::string_body> request(const std::string& target, const std::string& body,
                                              const std::string& cookies) {
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!stream_ && !connect()) return {};
            http::request<http::string_body> req{http::verb::post, target, 11};
            req.set(http::field::host, "localhost:" + std::to_string(port_));
            req.set("Origin", "https://localhost:" + std::to_string(port_));
            req.set("Sec-Fetch-Site", "same-origin");
            req.set(http::field::content_type, "application/x-www-form-urlencoded");
            if (!cookies.empty()) req.set(http::field::cookie, cookies);
            req.body() = body;
            req.prepare_payload();
            boost::system::error_code ec;
            http::write(*stream_, req, ec);
            http::response<http::string_body> res;
            if (!ec) http::read(*stream_, buffer_, res, ec);
            if (!ec) {
                if (!res.keep_alive()) stream_.reset();
                return res;
            }
            stream_.reset();
        }
        return {};
    }

private:
    bool connect() {
        buffer_.clear();
        stream_ = std::make_unique<net::ssl::stream<net::ip::tcp::socket>>(io_, tls_);
        SSL_set_tlsext_host_name(stream_->native_handle(), "localhost");
        boost::system::error_code ec;
        auto& sock = stream_->next_layer();
        sock.open(net::ip::tcp::v4(), ec);
        if (!ec) sock.set_option(net::socket_base::reuse_address(true), ec);
        if (!ec) sock.bind({net::ip::make_address(source_), 0}, ec);
        if (!ec) sock.connect({net::ip::make_address("127.0.0.1"), port_}, ec);
        if (!ec) stream_->handshake(net::ssl::stream_base::client, ec);
        if (ec) stream_.reset();
        return !ec;
    }

    net::io_context io_;
    net::ssl::context tls_{net::ssl::context::tls_client};
    std::uint16_t port_;
    std::string source_;
    std::unique_ptr<net::ssl::stream<net::ip::tcp::socket>> stream_;
    boost::beast::flat_buffer buffer_;
};

std::string cookie_of(const http::response<http::string_body>& res, const std::string& name) {
    for (const auto& f : res) {
        if (f.name() != http::field::set_cookie) continue;
        auto v = std::string(f.value());
        if (v.rfind(name + "=", 0) == 0) return v.substr(name.size() + 1, v.find(';') - name.size() - 1);
    }
    return {};
}

struct account {
    std::string name;
    std::string source;  // its own loopback address
    std::vector<std::uint8_t> secret;
    std::string device_cookie;
    std::uint64_t last_step = 0;
};

struct relay_stats {
    std::uint64_t attempts = 0, hashes = 0;
};

relay_stats read_stats(child_process& relay, std::size_t nth) {
    relay.signal(SIGUSR1);
    relay_stats s;
    wait_until(
        [&] {
            auto out = relay.out();
            std::size_t count = 0, at = 0, last = std::string::npos;
            while ((at = out.find("printgate-relay stats ", at)) != std::string::npos) {
                last = at;
                ++count;
                ++at;
            }
            if (count < nth) return false;
            auto line = out.substr(last, out.find('\n', last) - last);
            s.attempts = std::stoull(between(line + " ", "sign_in_attempts=", " "));
            s.hashes = std::stoull(between(line + " ", "hashes=", " "));
            return true;
        },
        10s);
    return s;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main() {
    // 1. Argon2id per hash, at the relay's default parameters.
    auth::password_hasher hasher({}, {1, 4});
    const auto& p = hasher.params();
    auto phc = hasher.hash(password);
    const int rounds = 5;
    auto t0 = steady::now();
    for (int i = 0; i < rounds; ++i) (void)hasher.verify(phc.value(), "wrong password guess");
    const double argon2_ms = std::chrono::duration<double, std::milli>(steady::now() - t0).count() / rounds;
    std::cout << fmt::format("Argon2id m={} MiB t={} p={}: {:.1f} ms per hash\n", p.memory_kib / 1024, p.iterations,
                             p.parallelism, argon2_ms);

    temp_dir dir;
    child_process relay({PRINTGATE_RELAY_BIN, "serve", "--demo", "--state-dir", (dir / "state").string()},
                        dir / "relay.out", dir / "relay.err");
    if (!wait_until([&] { return relay.out().find("printgate-relay setup ") != std::string::npos; }, 60s)) {
        std::cerr << "relay did not start:\n" << relay.err();
        return 1;
    }
    const auto port = static_cast<std::uint16_t>(std::stoi(between(relay.out(), "https=127.0.0.1:", "\n")));
    const auto setup_link = between(relay.out(), "printgate-relay setup ", "\n");
    const auto base = "https://localhost:" + std::to_string(port);

    // 2. Accounts: the owner from the set-up link, the others from the command line; each
    // signs in and enrolls once from its own address (so its browser is a known device).
    std::vector<account> accounts;
    for (int i = 0; i < users; ++i)
        accounts.push_back({fmt::format("user{:02}", i), fmt::format("127.0.1.{}", i + 1), {}, {}, 0});
    {
        browser_client b;
        auto r = b.post(base + "/setup", {{"token", between(setup_link + "\n", "token=", "\n")},
                                          {"name", accounts[0].name}, {"password", password}, {"confirm", password}});
        if (r.status != 200) {
            std::cerr << "set-up failed: " << r.status << "\n" << r.body;
            return 1;
        }
    }
    write_file(dir / "add.sh", "printf '%s\\n' '" + password + "' | \"$@\"\n");
    for (int i = 1; i < users; ++i) {
        child_process add({"/bin/sh", (dir / "add.sh").string(), PRINTGATE_RELAY_BIN, "user", "add",
                           accounts[i].name, "--demo", "--state-dir", (dir / "state").string()},
                          dir / "add.out", dir / "add.err");
        if (add.wait(60s) != 0) {
            std::cerr << "user add failed: " << add.err();
            return 1;
        }
    }
    auth::totp rules;
    for (auto& a : accounts) {
        browser_client b(a.source);
        auto r = b.post(base + "/signin", {{"name", a.name}, {"password", password}});
        auto page = b.get(base + "/enroll");
        auto secret = auth::base32_decode(between(page.body, "id=\"totp-secret\">", "</code>"));
        if (r.status != 303 || !secret) {
            std::cerr << "enrolment of " << a.name << " failed: " << r.status << " " << page.status << "\n";
            return 1;
        }
        a.secret = secret.value();
        a.last_step = rules.step_at(std::chrono::system_clock::now());
        auto done = b.post(base + "/enroll", {{"code", rules.code_at_step(a.secret, a.last_step)}});
        a.device_cookie = b.cookie("localhost", "__Host-printgate-device").value_or("");
        if (done.status != 200 || a.device_cookie.empty()) {
            std::cerr << "enrolment of " << a.name << " failed: " << done.status << "\n";
            return 1;
        }
    }
    std::cout << fmt::format("{} accounts enrolled; flooding for {} s from {} addresses at {} attempts/s\n", users,
                             flood_time.count(), attacker_addresses, target_rate);

    // 3. The flood and the real user, measured between two stats lines.
    const auto before = read_stats(relay, 1);
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> attempts{0}, attacker_successes{0}, limited{0}, rejected{0}, busy{0}, failed{0};
    std::vector<std::thread> attackers;
    const auto flood_start = steady::now();
    for (int i = 0; i < attacker_addresses; ++i) {
        attackers.emplace_back([&, i] {
            connection c(port, fmt::format("127.0.0.{}", 10 + i));
            const auto interval = std::chrono::microseconds(1'000'000 * attacker_addresses / target_rate);
            auto next = steady::now() + interval * i / attacker_addresses;
            for (std::uint64_t n = 0; !stop; ++n) {
                std::this_thread::sleep_until(next);
                next += interval;
                const auto& victim = accounts[(i + n) % accounts.size()].name;
                auto res = c.request("/signin", "name=" + victim + "&password=guess" + std::to_string(n), {});
                ++attempts;
                const auto status = res.result_int();
                if (status == 303) ++attacker_successes;  // the password step passed
                else if (status == 429) ++limited;
                else if (status == 401) ++rejected;
                else if (status == 503) ++busy;
                else ++failed;
            }
        });
    }
    std::vector<double> latencies;
    int user_ok = 0, user_tries = 0;
    for (int second = 0; steady::now() - flood_start < flood_time && second + 1 < users; ++second) {
        std::this_thread::sleep_until(flood_start + std::chrono::seconds(second) + 500ms);
        auto& a = accounts[static_cast<std::size_t>(second + 1)];
        ++user_tries;
        const auto t = steady::now();
        connection c(port, a.source);
        const std::string device = "__Host-printgate-device=" + a.device_cookie;
        auto r1 = c.request("/signin", "name=" + a.name + "&password=" + "tram+velvet+oxide+harbour", device);
        auto session = cookie_of(r1, "__Host-printgate");
        bool ok = false;
        if (r1.result_int() == 303 && !session.empty()) {
            const auto now_step = rules.step_at(std::chrono::system_clock::now());
            const auto step = std::max(a.last_step + 1, now_step);
            auto r2 = c.request("/second-factor", "code=" + rules.code_at_step(a.secret, step),
                                device + "; __Host-printgate=" + session);
            ok = r2.result_int() == 303 && !cookie_of(r2, "__Host-printgate").empty();
            if (ok) a.last_step = step;
            if (!ok) std::cerr << "user " << a.name << ": second factor " << r2.result_int() << "\n";
        } else {
            std::cerr << "user " << a.name << ": sign-in " << r1.result_int() << "\n";
        }
        latencies.push_back(std::chrono::duration<double, std::milli>(steady::now() - t).count());
        if (ok) ++user_ok;
    }
    std::this_thread::sleep_until(flood_start + flood_time);
    stop = true;
    for (auto& t : attackers) t.join();
    const double flood_seconds = std::chrono::duration<double>(steady::now() - flood_start).count();
    const auto after = read_stats(relay, 2);
    relay.stop();

    const auto relay_attempts = after.attempts - before.attempts;
    const auto hashes = after.hashes - before.hashes;
    const double rate = static_cast<double>(attempts.load()) / flood_seconds;
    const double p50 = percentile(latencies, 50), p99 = percentile(latencies, 99);
    const double success = user_tries ? 100.0 * user_ok / user_tries : 0;
    std::cout << fmt::format("flood: {} attempts in {:.1f} s ({:.0f}/s): {} limited (429), {} wrong (401), {} busy "
                             "(503), {} other, {} past the password\n",
                             attempts.load(), flood_seconds, rate, limited.load(), rejected.load(), busy.load(),
                             failed.load(), attacker_successes.load());
    std::cout << fmt::format("real user: {}/{} sign-ins (password + TOTP), p50 {:.0f} ms, p99 {:.0f} ms\n", user_ok,
                             user_tries, p50, p99);
    std::cout << fmt::format("relay: {} sign-in forms, {} Argon2 hashes ({:.1f}% of attempts; {:.1f} s of hashing)\n",
                             relay_attempts, hashes, relay_attempts ? 100.0 * hashes / relay_attempts : 0,
                             hashes * argon2_ms / 1000);
    std::cout << fmt::format("peer (Argon2 on every attempt, no limits first): {} hashes = {:.0f} s of hashing; "
                             "printgate computes {:.1f}x fewer\n",
                             relay_attempts, relay_attempts * argon2_ms / 1000,
                             hashes ? static_cast<double>(relay_attempts) / hashes : 0.0);
    std::cout << fmt::format("BENCH login argon2_ms={:.1f} user_p50_ms={:.0f} user_p99_ms={:.0f} user_success_pct={:.0f} "
                             "attacker_successes={} hashes={} attempts={}\n",
                             argon2_ms, p50, p99, success, attacker_successes.load(), hashes, relay_attempts);
    return 0;
}
