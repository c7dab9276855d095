// Interoperability with an independent yamux implementation: hashicorp/yamux (Go), built
// at run time from Debian's golang-github-hashicorp-yamux-dev without any download. Plain
// TCP on loopback, both directions, 4 concurrent streams of 16 MiB echoed and compared.
// Go's yamux enforces receive windows: a window violation on our side would fail it.
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "printgate/tunnel/session.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace printgate::tunnel {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using boost::system::error_code;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr int stream_count = 4;
constexpr std::size_t stream_bytes = 16u << 20;

std::string pattern(std::size_t n, std::uint32_t seed) {
    std::string s(n, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

class yamux_interop : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new printgate::testing::temp_dir();
        const std::filesystem::path source =
            std::filesystem::path(PRINTGATE_SOURCE_DIR) / "tests/integration/tunnel/yamux_peer";
        if (!std::filesystem::exists("/usr/share/gocode/src/github.com/hashicorp/yamux/session.go")) {
            skip_ = "hashicorp/yamux sources missing (apt-get install golang-github-hashicorp-yamux-dev)";
            return;
        }
        printgate::testing::child_process which({"/bin/sh", "-c", "command -v go"}, *dir_ / "which.out",
                                                *dir_ / "which.err");
        if (which.wait(std::chrono::seconds(30)).value_or(1) != 0) {
            skip_ = "go not installed (apt-get install golang-go)";
            return;
        }
        peer_ = *dir_ / "yamux_peer";
        const auto d = dir_->path().string();
        std::string cmd = "cd '" + source.string() + "' && GO111MODULE=off GOFLAGS= GOPATH='" + d +
                          "/gopath:/usr/share/gocode' GOCACHE='" + d + "/gocache' go build -o '" +
                          peer_.string() + "' .";
        printgate::testing::child_process build({"/bin/sh", "-c", cmd}, *dir_ / "build.out",
                                                *dir_ / "build.err");
        auto status = build.wait(std::chrono::minutes(5));
        if (status.value_or(-1) != 0) {
            build_error_ = "go build failed: " + build.err();
        }
    }

    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }

    void SetUp() override {
        if (!skip_.empty()) GTEST_SKIP() << skip_;
        ASSERT_TRUE(build_error_.empty()) << build_error_;
    }

    // Starts the Go peer with `args` (after the mode and port), accepts its TCP connection
    // and hands it to `body` as a session of role `r`; then waits for the peer to exit 0.
    void run(const std::string& mode, std::vector<std::string> args, role r,
             std::function<net::awaitable<void>(std::shared_ptr<session>, net::io_context&)> body) {
        net::io_context io;
        tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
        std::vector<std::string> argv{peer_.string(), mode, std::to_string(acceptor.local_endpoint().port())};
        argv.insert(argv.end(), args.begin(), args.end());
        printgate::testing::child_process peer(argv, *dir_ / (mode + ".out"), *dir_ / (mode + ".err"));

        bool finished = false;
        std::shared_ptr<session> s;
        net::steady_timer guard(io, std::chrono::minutes(3));
        guard.async_wait([&](error_code ec) {
            if (ec) return;
            ADD_FAILURE() << "interop run did not finish; peer stderr:\n" << peer.err();
            acceptor.close();
            if (s) s->close();
        });
        net::co_spawn(io, [&]() -> net::awaitable<void> {
            auto [aec, socket] = co_await acceptor.async_accept(use_tuple);
            if (aec) {
                ADD_FAILURE() << "accept: " << aec.message();
                co_return;
            }
            session_options opts;
            opts.name = "interop-" + mode;
            // hashicorp/yamux sends DATA frames as large as the whole send window: accept
            // frames up to our largest window (our own writer never exceeds 32 KiB).
            opts.max_incoming_data = opts.max_window + 64 * 1024;
            s = session::create(common::any_stream(std::move(socket)), r, opts);
            s->start();
            co_await body(s, io);
            // Wait for the peer to finish and exit (polled; the bound is the guard).
            net::steady_timer t(io);
            while (peer.running()) {
                t.expires_after(std::chrono::milliseconds(5));
                co_await t.async_wait(use_tuple);
            }
            finished = true;
            guard.cancel();
            s->close();
        }, net::detached);
        io.run();
        EXPECT_TRUE(finished);
        auto status = peer.wait(std::chrono::seconds(10));
        EXPECT_EQ(status.value_or(-1), 0) << "peer stdout:\n" << peer.out() << "\npeer stderr:\n" << peer.err();
        EXPECT_NE(peer.out().find("OK"), std::string::npos) << peer.out();
    }

    static inline printgate::testing::temp_dir* dir_ = nullptr;
    static inline std::filesystem::path peer_;
    static inline std::string skip_;
    static inline std::string build_error_;
};

// Echoes one stream chunk by chunk (reading and writing interleaved), then FINs.
net::awaitable<void> echo(stream s, std::size_t* total) {
    std::vector<char> buf(64 * 1024);
    for (;;) {
        auto [ec, n] = co_await s.async_read_some(net::buffer(buf), use_tuple);
        if (n > 0) {
            auto [wec, wn] = co_await net::async_write(s, net::buffer(buf.data(), n), use_tuple);
            if (wec) {
                ADD_FAILURE() << "echo write: " << wec.message();
                co_return;
            }
            *total += wn;
        }
        if (ec) {
            EXPECT_EQ(ec, net::error::eof) << ec.message();
            break;
        }
    }
    co_await s.async_shutdown(use_tuple);
}

TEST_F(yamux_interop, go_opens_streams_and_we_echo) {
    std::size_t echoed = 0;
    run("open", {std::to_string(stream_count), std::to_string(stream_bytes)}, role::server,
        [&](std::shared_ptr<session> s, net::io_context& io) -> net::awaitable<void> {
            for (int i = 0; i < stream_count; ++i) {
                auto [ec, st] = co_await s->accept_stream();
                if (ec) {
                    ADD_FAILURE() << "accept_stream: " << ec.message();
                    co_return;
                }
                EXPECT_EQ(st.id() % 2, 1u);
                net::co_spawn(io, echo(std::move(st), &echoed), net::detached);
            }
        });
    EXPECT_EQ(echoed, stream_count * stream_bytes);
}

TEST_F(yamux_interop, we_open_streams_and_go_echoes) {
    int good = 0;
    run("echo", {}, role::client,
        [&](std::shared_ptr<session> s, net::io_context& io) -> net::awaitable<void> {
            int done = 0;
            for (int i = 0; i < stream_count; ++i) {
                auto [ec, st] = co_await s->open_stream();
                if (ec) {
                    ADD_FAILURE() << "open_stream: " << ec.message();
                    co_return;
                }
                auto shared = std::make_shared<stream>(std::move(st));
                auto data = std::make_shared<std::string>(pattern(stream_bytes, static_cast<std::uint32_t>(i + 1)));
                net::co_spawn(io, [shared, data]() -> net::awaitable<void> {
                    auto [wec, n] = co_await net::async_write(*shared, net::buffer(*data), use_tuple);
                    EXPECT_FALSE(wec) << wec.message();
                    (void)n;
                    co_await shared->async_shutdown(use_tuple);
                }, net::detached);
                net::co_spawn(io, [shared, data, &good, &done]() -> net::awaitable<void> {
                    std::string got;
                    got.reserve(data->size());
                    std::vector<char> buf(64 * 1024);
                    for (;;) {
                        auto [ec2, n] = co_await shared->async_read_some(net::buffer(buf), use_tuple);
                        got.append(buf.data(), n);
                        if (ec2) {
                            EXPECT_EQ(ec2, net::error::eof) << ec2.message();
                            break;
                        }
                    }
                    EXPECT_EQ(got.size(), data->size());
                    if (got == *data) ++good;
                    ++done;
                }, net::detached);
            }
            net::steady_timer t(io);
            while (done < stream_count && s->is_open()) {
                t.expires_after(std::chrono::milliseconds(5));
                co_await t.async_wait(use_tuple);
            }
            EXPECT_TRUE(s->is_open());
            s->close();  // the Go side's AcceptStream ends, it prints OK and exits
        });
    EXPECT_EQ(good, stream_count);
}

}  // namespace
}  // namespace printgate::tunnel
