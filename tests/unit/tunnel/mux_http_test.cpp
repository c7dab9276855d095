// The edge serves HTTP on a tunnel stream exactly as on a socket: Beast over any_stream.
#include <boost/asio/detached.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

#include "mux_test_support.hpp"

namespace printgate::tunnel {
namespace {

using namespace testing;
namespace http = boost::beast::http;

net::awaitable<void> serve(std::shared_ptr<session> s) {
    for (;;) {
        auto [ec, st] = co_await s->accept_stream();
        if (ec) co_return;
        net::co_spawn(s->get_executor(), [st = std::move(st)]() mutable -> net::awaitable<void> {
            common::any_stream conn(std::move(st), "tunnel:test");
            boost::beast::flat_buffer buffer;
            for (;;) {
                http::request<http::string_body> req;
                auto [rec, rn] = co_await http::async_read(conn, buffer, req, use_tuple);
                if (rec) break;
                http::response<http::string_body> res{http::status::ok, req.version()};
                res.set(http::field::content_type, "text/plain");
                res.body() = std::string(req.target()) + ":" + std::to_string(req.body().size());
                if (req.target() == "/big") res.body() = pattern(3 << 20, 5);
                res.keep_alive(req.keep_alive());
                res.prepare_payload();
                auto [wec, wn] = co_await http::async_write(conn, res, use_tuple);
                if (wec || !res.keep_alive()) break;
            }
            co_await conn.async_shutdown(use_tuple);
        }, net::detached);
    }
}

TEST(mux_http, beast_request_and_response_through_a_stream) {
    session_pair p;
    p.run([&]() -> net::awaitable<void> {
        net::co_spawn(p.io, serve(p.server), net::detached);
        auto [ec, st] = co_await p.client->open_stream();
        EXPECT_FALSE(ec);
        if (ec) co_return;
        common::any_stream conn(std::move(st), "tunnel:client");
        boost::beast::flat_buffer buffer;

        http::request<http::string_body> req{http::verb::post, "/api/upload", 11};
        req.set(http::field::host, "printer1.localhost");
        req.body() = pattern(700 * 1024, 2);  // more than one window
        req.keep_alive(true);
        req.prepare_payload();
        auto [wec, wn] = co_await http::async_write(conn, req, use_tuple);
        EXPECT_FALSE(wec);
        http::response<http::string_body> res;
        auto [rec, rn] = co_await http::async_read(conn, buffer, res, use_tuple);
        EXPECT_FALSE(rec) << rec.message();
        EXPECT_EQ(res.result(), http::status::ok);
        EXPECT_EQ(res.body(), "/api/upload:" + std::to_string(700 * 1024));

        http::request<http::string_body> get{http::verb::get, "/big", 11};
        get.set(http::field::host, "printer1.localhost");
        get.keep_alive(false);
        co_await http::async_write(conn, get, use_tuple);
        http::response_parser<http::string_body> parser;
        parser.body_limit(8 << 20);
        auto [rec2, rn2] = co_await http::async_read(conn, buffer, parser, use_tuple);
        EXPECT_FALSE(rec2) << rec2.message();
        EXPECT_EQ(parser.get().body(), pattern(3 << 20, 5));
    });
}

}  // namespace
}  // namespace printgate::tunnel
