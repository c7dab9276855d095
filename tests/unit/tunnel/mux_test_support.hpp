#pragma once
// Two tunnel sessions joined by a real loopback TCP connection, and a way to run one test
// coroutine on their io_context with a generous upper bound for a failing (hung) case.
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "printgate/common/any_stream.hpp"
#include "printgate/tunnel/session.hpp"

namespace printgate::tunnel::testing {

namespace net = boost::asio;
using tcp = net::ip::tcp;
inline constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// A connected pair of loopback TCP sockets.
inline std::pair<tcp::socket, tcp::socket> socket_pair(net::io_context& io) {
    tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
    tcp::socket a(io);
    a.connect(acceptor.local_endpoint());
    tcp::socket b = acceptor.accept();
    a.set_option(tcp::no_delay(true));
    b.set_option(tcp::no_delay(true));
    return {std::move(a), std::move(b)};
}

class session_pair {
public:
    explicit session_pair(session_options client_options = {}, session_options server_options = {}) {
        auto [a, b] = socket_pair(io);
        if (client_options.name.empty()) client_options.name = "test-client";
        if (server_options.name.empty()) server_options.name = "test-server";
        client = session::create(common::any_stream(std::move(a)), role::client, client_options);
        server = session::create(common::any_stream(std::move(b)), role::server, server_options);
        client->start();
        server->start();
    }

    // Runs `body` to completion on the io_context, then closes the sessions so that the
    // io_context runs dry. Fails (instead of hanging) when nothing completes in `limit`.
    void run(std::function<net::awaitable<void>()> body,
             std::chrono::seconds limit = std::chrono::seconds(60)) {
        net::steady_timer guard(io, limit);
        bool finished = false;
        guard.async_wait([&](boost::system::error_code ec) {
            if (ec) return;
            ADD_FAILURE() << "test coroutine did not finish";
            close_all();
        });
        std::exception_ptr failure;
        net::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
            failure = e;
            finished = true;
            guard.cancel();
            close_all();
        });
        io.run();
        EXPECT_TRUE(finished);
        if (failure) std::rethrow_exception(failure);
    }

    void close_all() {
        for (auto& f : on_close) f();
        if (client) client->close();
        if (server) server->close();
    }

    net::io_context io;
    std::shared_ptr<session> client;
    std::shared_ptr<session> server;
    std::vector<std::function<void()>> on_close;  // extra things to close at the end
};

// Waits (yielding to the io_context) until `ready` holds; false after `limit` polls.
inline net::awaitable<bool> eventually(std::function<bool()> ready, int limit = 20000) {
    net::steady_timer t(co_await net::this_coro::executor);
    for (int i = 0; i < limit; ++i) {
        if (ready()) co_return true;
        t.expires_after(std::chrono::milliseconds(1));
        co_await t.async_wait(use_tuple);
    }
    co_return ready();
}

inline std::string pattern(std::size_t n, unsigned seed = 1) {
    std::string s(n, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

// Reads until EOF; returns what arrived and the error that ended it (eof when clean).
template <class Stream>
net::awaitable<std::pair<std::string, boost::system::error_code>> read_all(Stream& s) {
    std::string got;
    std::array<char, 16 * 1024> buf{};
    for (;;) {
        auto [ec, n] = co_await s.async_read_some(net::buffer(buf), use_tuple);
        got.append(buf.data(), n);
        if (ec) co_return std::pair{got, ec};
    }
}

}  // namespace printgate::tunnel::testing
