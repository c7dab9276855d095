// Tunnel sessions over real loopback TCP: streams both ways, flow control, the session
// buffer cap, fairness, RST, FIN, GO_AWAY, stream limits, garbage and heartbeat death.
#include <array>
#include <string>
#include <vector>

#include <boost/asio/detached.hpp>
#include <gtest/gtest.h>

#include "mux_test_support.hpp"
#include "printgate/common/clock.hpp"
#include "printgate/tunnel/frame.hpp"

namespace printgate::tunnel {
namespace {

using namespace testing;
using boost::system::error_code;

#define CO_REQUIRE(cond)                                  \
    do {                                                  \
        if (!(cond)) {                                    \
            ADD_FAILURE() << "requirement failed: " #cond; \
            co_return;                                    \
        }                                                 \
    } while (0)

net::awaitable<void> echo_one(stream s) {
    auto [data, ec] = co_await read_all(s);
    EXPECT_EQ(ec, net::error::eof);
    auto [wec, n] = co_await net::async_write(s, net::buffer(data), use_tuple);
    EXPECT_FALSE(wec);
    (void)n;
    auto [sec] = co_await s.async_shutdown(use_tuple);
    EXPECT_FALSE(sec);
}

// Sends `request`, half-closes, and returns everything the peer sent back until its FIN.
net::awaitable<std::string> round_trip(stream& s, const std::string& request) {
    auto [wec, n] = co_await net::async_write(s, net::buffer(request), use_tuple);
    EXPECT_FALSE(wec) << wec.message();
    (void)n;
    auto [sec] = co_await s.async_shutdown(use_tuple);
    EXPECT_FALSE(sec) << sec.message();
    auto [reply, ec] = co_await read_all(s);
    EXPECT_EQ(ec, net::error::eof) << ec.message();
    co_return reply;
}

TEST(mux_session, streams_open_both_ways_and_echo) {
    session_pair p;
    p.run([&]() -> net::awaitable<void> {
        // client -> server
        auto [ec1, a] = co_await p.client->open_stream();
        CO_REQUIRE(!ec1);
        EXPECT_EQ(a.id() % 2, 1u);
        auto [ec2, sa] = co_await p.server->accept_stream();
        CO_REQUIRE(!ec2);
        EXPECT_EQ(sa.id(), a.id());
        net::co_spawn(p.io, echo_one(std::move(sa)), net::detached);
        auto msg = pattern(1 << 20, 3);
        EXPECT_EQ(co_await round_trip(a, msg), msg);

        // server -> client
        auto [ec3, b] = co_await p.server->open_stream();
        CO_REQUIRE(!ec3);
        EXPECT_EQ(b.id() % 2, 0u);
        auto [ec4, cb] = co_await p.client->accept_stream();
        CO_REQUIRE(!ec4);
        net::co_spawn(p.io, echo_one(std::move(cb)), net::detached);
        EXPECT_EQ(co_await round_trip(b, "hello"), "hello");
        EXPECT_GT(p.client->stats().bytes_out, std::uint64_t{1 << 20});
    });
}

TEST(mux_session, many_concurrent_streams_keep_their_bytes_apart) {
    session_pair p;
    p.run([&]() -> net::awaitable<void> {
        constexpr int count = 20;
        std::vector<std::string> replies(count);
        int done = 0;
        for (int i = 0; i < count; ++i) {
            auto [ec, s] = co_await p.client->open_stream();
            CO_REQUIRE(!ec);
            net::co_spawn(p.io, [&, i, s = std::move(s)]() mutable -> net::awaitable<void> {
                replies[i] = co_await round_trip(s, pattern(100000 + i * 1000, i));
                ++done;
            }, net::detached);
        }
        for (int i = 0; i < count; ++i) {
            auto [ec, s] = co_await p.server->accept_stream();
            CO_REQUIRE(!ec);
            net::co_spawn(p.io, echo_one(std::move(s)), net::detached);
        }
        CO_REQUIRE(co_await eventually([&] { return done == count; }));
        for (int i = 0; i < count; ++i) EXPECT_EQ(replies[i], pattern(100000 + i * 1000, i)) << i;
    });
}

TEST(mux_session, writer_blocks_at_the_window_and_updates_come_after_half) {
    manual_clock clock;  // no RTT, so the window never grows: exact numbers
    session_options server_opts;
    server_opts.clock = &clock;
    session_pair p({}, server_opts);
    p.run([&]() -> net::awaitable<void> {
        auto opened = co_await p.client->open_stream();
        CO_REQUIRE(!std::get<0>(opened));
        stream& a = std::get<1>(opened);  // a plain reference: clang cannot capture bindings
        const auto data = pattern(1 << 20);
        bool write_done = false;
        net::co_spawn(p.io, [&]() -> net::awaitable<void> {
            auto [wec, n] = co_await net::async_write(a, net::buffer(data), use_tuple);
            EXPECT_FALSE(wec);
            EXPECT_EQ(n, data.size());
            write_done = true;
        }, net::detached);
        auto [aec, sa] = co_await p.server->accept_stream();
        CO_REQUIRE(!aec);

        CO_REQUIRE(co_await eventually([&] { return p.server->stats().buffered_bytes == 256 * 1024; }));
        EXPECT_FALSE(write_done);
        EXPECT_EQ(p.server->stats().window_updates_sent, 0u);

        std::string got(1 << 20, '\0');
        auto [r1, n1] = co_await net::async_read(sa, net::buffer(got.data(), 100 * 1024), use_tuple);
        CO_REQUIRE(!r1);
        EXPECT_EQ(p.server->stats().window_updates_sent, 0u) << "update before half the window";
        auto [r2, n2] = co_await net::async_read(sa, net::buffer(got.data() + n1, 30 * 1024), use_tuple);
        CO_REQUIRE(!r2);
        EXPECT_EQ(p.server->stats().window_updates_sent, 1u) << "no update after half the window";
        EXPECT_FALSE(write_done);

        auto [r3, n3] = co_await net::async_read(sa, net::buffer(got.data() + n1 + n2, got.size() - n1 - n2),
                                                 use_tuple);
        CO_REQUIRE(!r3);
        EXPECT_EQ(n1 + n2 + n3, data.size());
        EXPECT_EQ(got, data);
        CO_REQUIRE(co_await eventually([&] { return write_done; }));
        EXPECT_LE(p.server->stats().buffered_bytes, 256u * 1024);
    });
}

TEST(mux_session, session_buffer_cap_holds_back_window_updates) {
    manual_clock clock;
    session_options server_opts;
    server_opts.clock = &clock;
    server_opts.session_buffer_cap = 300 * 1024;
    session_pair p({}, server_opts);
    p.run([&]() -> net::awaitable<void> {
        const auto data = pattern(256 * 1024);
        std::array<stream, 2> out;
        std::array<stream, 2> in;
        for (auto& s : out) {
            auto [ec, st] = co_await p.client->open_stream();
            CO_REQUIRE(!ec);
            s = std::move(st);
            auto [wec, n] = co_await net::async_write(s, net::buffer(data), use_tuple);
            CO_REQUIRE(!wec);
            (void)n;
        }
        for (auto& s : in) {
            auto [ec, st] = co_await p.server->accept_stream();
            CO_REQUIRE(!ec);
            s = std::move(st);
        }
        CO_REQUIRE(co_await eventually([&] { return p.server->stats().buffered_bytes == 512 * 1024; }));

        std::string sink(256 * 1024, '\0');
        // 312 KiB stay buffered, above the 300 KiB cap: the grant stream 0 earned waits.
        auto [r1, n1] = co_await net::async_read(in[0], net::buffer(sink.data(), 200 * 1024), use_tuple);
        CO_REQUIRE(!r1);
        EXPECT_EQ(p.server->stats().window_updates_sent, 0u);
        // Below the cap again: the held-back grant goes out (stream 1's own 20 KiB earns none).
        auto [r2, n2] = co_await net::async_read(in[1], net::buffer(sink.data(), 20 * 1024), use_tuple);
        CO_REQUIRE(!r2);
        EXPECT_EQ(p.server->stats().window_updates_sent, 1u);
        (void)n1;
        (void)n2;
    });
}

// Window growth on a clock that stands still: windows may grow to 1 MiB.
session_options growth_options(manual_clock& clock) {
    session_options opts;
    opts.clock = &clock;
    opts.max_window = 1024 * 1024;
    return opts;
}

// The first PINGs are queued; time passes before their answers: RTT = 10 ms. Grants then
// follow each other within no time at all (the clock stands still), which is a reader
// draining its window faster than two round trips: the window doubles.
net::awaitable<bool> measure_10ms_rtt(manual_clock& clock, session_pair& p) {
    clock.advance(std::chrono::milliseconds(10));
    const bool answered = co_await eventually([&] { return p.server->stats().pings_answered >= 1; });
    co_return answered;
}

TEST(mux_session, window_grows_for_a_fast_reader_up_to_max_window) {
    manual_clock clock;
    const session_options opts = growth_options(clock);
    session_pair p(opts, opts);
    p.run([&]() -> net::awaitable<void> {
        CO_REQUIRE(co_await measure_10ms_rtt(clock, p));
        EXPECT_EQ(p.server->stats().rtt, std::chrono::milliseconds(10));

        auto opened = co_await p.client->open_stream();
        CO_REQUIRE(!std::get<0>(opened));
        stream& a = std::get<1>(opened);
        const auto data = pattern(16 << 20);
        bool writer_done = false;
        net::co_spawn(p.io, [&]() -> net::awaitable<void> {
            co_await net::async_write(a, net::buffer(data), use_tuple);
            writer_done = true;
        }, net::detached);
        auto [aec, sa] = co_await p.server->accept_stream();
        CO_REQUIRE(!aec);
        std::string got(4 << 20, '\0');
        auto [rec, rn] = co_await net::async_read(sa, net::buffer(got), use_tuple);
        CO_REQUIRE(!rec);
        EXPECT_EQ(got, data.substr(0, got.size()));
        // The reader stops: more than the initial 256 KiB piles up, never more than max_window.
        std::size_t most = 0;
        bool grew = co_await eventually([&] {
            most = std::max(most, p.server->stats().buffered_bytes);
            return most > 512u * 1024;
        });
        EXPECT_TRUE(grew) << "buffered " << most;
        EXPECT_LE(p.server->stats().buffered_bytes, opts.max_window);
        a.close();  // the blocked write fails; wait for it before `a` and `data` go away
        CO_REQUIRE(co_await eventually([&] { return writer_done; }));
    });
}

// A stream that grew its window teaches the session: the next stream is promised that window
// when it is accepted, so a second upload across a long link does not climb the ramp again.
// Without it the second stream's sender stops at 256 KiB while nobody reads.
TEST(mux_session, a_later_stream_starts_with_the_window_an_earlier_one_grew_to) {
    manual_clock clock;
    const session_options opts = growth_options(clock);
    session_pair p(opts, opts);
    p.run([&]() -> net::awaitable<void> {
        CO_REQUIRE(co_await measure_10ms_rtt(clock, p));
        const auto data = pattern(4 << 20);
        {
            // The first stream is read as fast as it arrives: its window doubles up to 1 MiB.
            auto opened = co_await p.client->open_stream();
            CO_REQUIRE(!std::get<0>(opened));
            stream& a = std::get<1>(opened);
            bool sent = false;
            net::co_spawn(p.io, [&]() -> net::awaitable<void> {
                co_await net::async_write(a, net::buffer(data), use_tuple);
                co_await a.async_shutdown(use_tuple);
                sent = true;
            }, net::detached);
            auto [aec, sa] = co_await p.server->accept_stream();
            CO_REQUIRE(!aec);
            auto [got, rec] = co_await read_all(sa);
            EXPECT_EQ(rec, net::error::eof);
            EXPECT_EQ(got, data);
            CO_REQUIRE(co_await eventually([&] { return sent; }));
        }
        // The second stream is accepted and never read: what piles up is its starting window.
        const auto before = p.server->stats().buffered_bytes;
        auto opened = co_await p.client->open_stream();
        CO_REQUIRE(!std::get<0>(opened));
        stream& b = std::get<1>(opened);
        bool writer_done = false;
        net::co_spawn(p.io, [&]() -> net::awaitable<void> {
            co_await net::async_write(b, net::buffer(data), use_tuple);
            writer_done = true;
        }, net::detached);
        auto [bec, sb] = co_await p.server->accept_stream();
        CO_REQUIRE(!bec);
        std::size_t most = 0;
        bool started_big = co_await eventually([&] {
            most = std::max(most, p.server->stats().buffered_bytes - before);
            return most >= 1024u * 1024;
        });
        EXPECT_TRUE(started_big) << "buffered " << most;
        EXPECT_LE(p.server->stats().buffered_bytes - before, opts.max_window);
        b.close();
        CO_REQUIRE(co_await eventually([&] { return writer_done; }));
    });
}

TEST(mux_session, a_small_request_completes_while_a_big_transfer_runs) {
    session_options big_window;
    big_window.max_window = 4 * 1024 * 1024;
    session_pair p(big_window, big_window);
    p.run([&]() -> net::awaitable<void> {
        std::vector<std::string> events;
        const auto big = pattern(48 << 20, 9);
        std::size_t big_received = 0;

        auto opened = co_await p.client->open_stream();
        CO_REQUIRE(!std::get<0>(opened));
        stream& b = std::get<1>(opened);
        net::co_spawn(p.io, [&]() -> net::awaitable<void> {
            auto [wec, n] = co_await net::async_write(b, net::buffer(big), use_tuple);
            EXPECT_FALSE(wec);
            (void)n;
            events.push_back("big written");
            co_await b.async_shutdown(use_tuple);
        }, net::detached);
        auto accepted = co_await p.server->accept_stream();
        CO_REQUIRE(!std::get<0>(accepted));
        stream& sb = std::get<1>(accepted);
        net::co_spawn(p.io, [&]() -> net::awaitable<void> {
            std::vector<char> buf(64 * 1024);
            for (;;) {
                auto [rec, n] = co_await sb.async_read_some(net::buffer(buf), use_tuple);
                big_received += n;
                if (rec) break;
            }
            events.push_back("big received");
        }, net::detached);

        CO_REQUIRE(co_await eventually([&] { return big_received >= (1u << 20); }));
        auto [ec2, small] = co_await p.client->open_stream();
        CO_REQUIRE(!ec2);
        net::co_spawn(p.io, [&]() -> net::awaitable<void> {
            auto [e, s] = co_await p.server->accept_stream();
            if (!e) co_await echo_one(std::move(s));
        }, net::detached);
        auto reply = co_await round_trip(small, "GET /status");
        events.push_back("small done");
        EXPECT_EQ(reply, "GET /status");

        CO_REQUIRE(co_await eventually([&] { return events.size() == 3; }, 120000));
        EXPECT_EQ(big_received, big.size());
        CO_REQUIRE(!events.empty());
        EXPECT_EQ(events.front(), "small done") << "the small exchange waited for the big transfer";
    });
}

TEST(mux_session, resetting_one_stream_leaves_the_others_working) {
    session_pair p;
    p.run([&]() -> net::awaitable<void> {
        auto [e1, a] = co_await p.client->open_stream();
        auto [e2, b] = co_await p.client->open_stream();
        CO_REQUIRE(!e1 && !e2);
        co_await net::async_write(a, net::buffer(std::string("x")), use_tuple);
        auto [e3, sa] = co_await p.server->accept_stream();
        auto [e4, sb] = co_await p.server->accept_stream();
        CO_REQUIRE(!e3 && !e4);
        a.close();
        // a local read after close fails at once
        std::array<char, 4> buf{};
        auto [lec, ln] = co_await a.async_read_some(net::buffer(buf), use_tuple);
        EXPECT_EQ(lec, net::error::operation_aborted);
        (void)ln;
        // the peer sees the reset (after the byte that arrived first, or instead of it)
        auto [got, rec] = co_await read_all(sa);
        EXPECT_EQ(rec, net::error::connection_reset) << rec.message();
        EXPECT_LE(got.size(), 1u);
        auto [wec, wn] = co_await net::async_write(sa, net::buffer(std::string("late")), use_tuple);
        EXPECT_EQ(wec, net::error::connection_reset);
        (void)wn;

        net::co_spawn(p.io, echo_one(std::move(sb)), net::detached);
        EXPECT_EQ(co_await round_trip(b, "still here"), "still here");
        EXPECT_TRUE(p.client->is_open());
        EXPECT_TRUE(p.server->is_open());
    });
}

TEST(mux_session, fin_half_closes_one_direction) {
    session_pair p;
    p.run([&]() -> net::awaitable<void> {
        auto [e1, a] = co_await p.client->open_stream();
        CO_REQUIRE(!e1);
        co_await net::async_write(a, net::buffer(std::string("request")), use_tuple);
        auto [sec] = co_await a.async_shutdown(use_tuple);
        EXPECT_FALSE(sec);
        auto [wec, wn] = co_await net::async_write(a, net::buffer(std::string("more")), use_tuple);
        EXPECT_EQ(wec, net::error::shut_down);
        (void)wn;

        auto [e2, sa] = co_await p.server->accept_stream();
        CO_REQUIRE(!e2);
        auto [req, rec] = co_await read_all(sa);
        EXPECT_EQ(req, "request");
        EXPECT_EQ(rec, net::error::eof);
        // the other direction still flows
        for (int i = 0; i < 3; ++i) {
            auto [e, n] = co_await net::async_write(sa, net::buffer(std::string("part")), use_tuple);
            EXPECT_FALSE(e);
            (void)n;
        }
        co_await sa.async_shutdown(use_tuple);
        auto [reply, cec] = co_await read_all(a);
        EXPECT_EQ(reply, "partpartpart");
        EXPECT_EQ(cec, net::error::eof);
        // both sides done: the sessions forget the stream
        CO_REQUIRE(co_await eventually([&] {
            return p.client->stats().streams_open == 0 && p.server->stats().streams_open == 0;
        }));
    });
}

TEST(mux_session, go_away_refuses_new_streams_and_keeps_old_ones) {
    session_pair p;
    p.run([&]() -> net::awaitable<void> {
        auto [e1, a] = co_await p.client->open_stream();
        CO_REQUIRE(!e1);
        auto [e2, sa] = co_await p.server->accept_stream();
        CO_REQUIRE(!e2);
        p.server->go_away();
        auto [e3, s3] = co_await p.server->open_stream();
        EXPECT_EQ(e3, mux_error::going_away);
        // GO_AWAY is a control frame: it reaches the client before this echo does
        co_await net::async_write(sa, net::buffer(std::string("ping")), use_tuple);
        std::array<char, 4> buf{};
        auto [re, rn] = co_await net::async_read(a, net::buffer(buf), use_tuple);
        CO_REQUIRE(!re);
        (void)rn;
        auto [e4, s4] = co_await p.client->open_stream();
        EXPECT_EQ(e4, mux_error::going_away);
        auto [e5, s5] = co_await p.client->accept_stream();
        EXPECT_EQ(e5, mux_error::going_away);
        // the open stream still works both ways
        net::co_spawn(p.io, echo_one(std::move(sa)), net::detached);
        EXPECT_EQ(co_await round_trip(a, "after"), "after");
        EXPECT_TRUE(p.client->is_open());
    });
}

TEST(mux_session, excess_streams_are_reset) {
    session_options limited;
    limited.max_streams = 2;
    session_pair p({}, limited);
    p.run([&]() -> net::awaitable<void> {
        std::vector<stream> streams;
        for (int i = 0; i < 3; ++i) {
            auto [e, s] = co_await p.client->open_stream();
            CO_REQUIRE(!e);
            streams.push_back(std::move(s));
        }
        auto [got, ec] = co_await read_all(streams[2]);
        EXPECT_EQ(ec, net::error::connection_reset);
        EXPECT_EQ(p.server->stats().streams_refused, 1u);
        EXPECT_EQ(p.server->stats().accept_queue, 2u);
        EXPECT_TRUE(p.server->is_open());

    });
}

TEST(mux_session, open_stream_respects_the_local_limit) {
    session_options one;
    one.max_streams = 1;
    session_pair p(one, {});
    p.run([&]() -> net::awaitable<void> {
        auto [e1, s1] = co_await p.client->open_stream();
        EXPECT_FALSE(e1);
        auto [e2, s2] = co_await p.client->open_stream();
        EXPECT_EQ(e2, mux_error::stream_limit);
    });
}

// A raw TCP peer talks to a server session; the session must end cleanly with GO_AWAY.
class raw_peer_test : public ::testing::Test {
protected:
    // `expect_go_away`: the session consumed every byte we sent, so its close is a clean FIN
    // and our read sees the GO_AWAY (with unread bytes left the kernel may send RST instead).
    void run(const std::vector<std::uint8_t>& bytes, error_code expected_reason, bool expect_go_away = true,
             session_options opts = {}) {
        net::io_context io;
        auto sockets = socket_pair(io);
    tcp::socket& a = sockets.first;  // plain references: clang 14 cannot capture bindings
    tcp::socket& b = sockets.second;
        opts.name = "raw";
        auto s = session::create(common::any_stream(std::move(b)), role::server, opts);
        s->start();
        // A healthy pair in the same process must not notice.
        session_pair healthy;
        bool done = false;
        net::co_spawn(io, [&]() -> net::awaitable<void> {
            co_await net::async_write(a, net::buffer(bytes), use_tuple);
            auto reason = co_await s->wait_closed();
            EXPECT_EQ(reason, expected_reason) << reason.message();
            EXPECT_FALSE(s->is_open());
            // What the session said before closing: GO_AWAY(protocol error), then EOF.
            std::string wire;
            std::array<char, 4096> buf{};
            for (;;) {
                auto [ec, n] = co_await a.async_read_some(net::buffer(buf), use_tuple);
                wire.append(buf.data(), n);
                if (ec) break;
            }
            auto go_away = encode(frame_header{0, frame_type::go_away, 0, 0, 1});
            if (expect_go_away && expected_reason == mux_error::protocol_error) {
                EXPECT_NE(wire.find(std::string(go_away.begin(), go_away.end())), std::string::npos);
            }
            done = true;
        }, net::detached);
        io.run_for(std::chrono::seconds(30));
        EXPECT_TRUE(done);
        s->close();
        io.run();
        healthy.run([&]() -> net::awaitable<void> {
            auto [e, st] = co_await healthy.client->open_stream();
            EXPECT_FALSE(e);
            auto [e2, sa] = co_await healthy.server->accept_stream();
            EXPECT_FALSE(e2);
            net::co_spawn(healthy.io, echo_one(std::move(sa)), net::detached);
            EXPECT_EQ(co_await round_trip(st, "fine"), "fine");
        });
    }

    static std::vector<std::uint8_t> frame(frame_header h, std::size_t payload = 0) {
        auto b = encode(h);
        std::vector<std::uint8_t> v(b.begin(), b.end());
        v.resize(v.size() + payload, 0x5A);
        return v;
    }
};

TEST_F(raw_peer_test, garbage_bytes_end_the_session_with_go_away) {
    std::vector<std::uint8_t> junk{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n'};
    run(junk, mux_error::protocol_error);
}

TEST_F(raw_peer_test, data_beyond_the_window_is_a_protocol_error) {
    auto bytes = frame({0, frame_type::window_update, flag::syn, 1, 0});
    auto data = frame({0, frame_type::data, 0, 1, 256 * 1024 + 1}, 256 * 1024 + 1);
    bytes.insert(bytes.end(), data.begin(), data.end());
    run(bytes, mux_error::protocol_error, false);
}

TEST_F(raw_peer_test, oversized_data_frame_is_refused_before_its_payload) {
    run(frame({0, frame_type::data, 0, 1, 0x7FFFFFFF}), mux_error::protocol_error);
}

TEST_F(raw_peer_test, stream_with_our_parity_is_a_protocol_error) {
    run(frame({0, frame_type::window_update, flag::syn, 2, 0}), mux_error::protocol_error);
}

TEST_F(raw_peer_test, send_window_overflow_is_a_protocol_error) {
    run(frame({0, frame_type::window_update, flag::syn, 1, 0xFFFFFFFF}), mux_error::protocol_error);
}

TEST(mux_raw_peer, data_for_an_unknown_stream_is_discarded_and_pings_answered) {
    net::io_context io;
    auto sockets = socket_pair(io);
    tcp::socket& a = sockets.first;
    auto s = session::create(common::any_stream(std::move(sockets.second)), role::server, {});
    s->start();
    bool answered = false;
    net::co_spawn(io, [&]() -> net::awaitable<void> {
        std::vector<std::uint8_t> bytes;
        auto add = [&](frame_header h, std::size_t payload) {
            auto b = encode(h);
            bytes.insert(bytes.end(), b.begin(), b.end());
            bytes.resize(bytes.size() + payload, 0x42);
        };
        add({0, frame_type::data, 0, 5, 10}, 10);               // never opened: dropped
        add({0, frame_type::window_update, 0, 7, 4096}, 0);     // never opened: ignored
        add({0, frame_type::ping, flag::syn, 0, 0xC0FFEE}, 0);  // must still be answered
        co_await net::async_write(a, net::buffer(bytes), use_tuple);
        std::array<std::uint8_t, frame_header_size> h{};
        for (;;) {
            auto [ec, n] = co_await net::async_read(a, net::buffer(h), use_tuple);
            (void)n;
            if (ec) break;
            auto r = decode(h);
            if (r.ok() && r.header.type == frame_type::ping && r.header.has(flag::ack) &&
                r.header.length == 0xC0FFEE) {
                answered = true;
                break;
            }
        }
        EXPECT_TRUE(s->is_open());
        s->close();
    }, net::detached);
    io.run_for(std::chrono::seconds(30));
    EXPECT_TRUE(answered);
}

TEST_F(raw_peer_test, peer_go_away_with_an_error_ends_the_session) {
    run(frame({0, frame_type::go_away, 0, 0, 2}), mux_error::remote_internal_error);
}

TEST_F(raw_peer_test, closed_transport_ends_the_session) {
    net::io_context io;
    auto sockets = socket_pair(io);
    tcp::socket& a = sockets.first;  // plain references: clang 14 cannot capture bindings
    tcp::socket& b = sockets.second;
    auto s = session::create(common::any_stream(std::move(b)), role::server, {});
    s->start();
    error_code reason;
    net::co_spawn(io, [&]() -> net::awaitable<void> {
        a.close();
        reason = co_await s->wait_closed();
    }, net::detached);
    io.run_for(std::chrono::seconds(30));
    EXPECT_EQ(reason, net::error::eof);
}

TEST(mux_heartbeat, silent_peer_is_declared_dead) {
    net::io_context io;
    auto sockets = socket_pair(io);
    tcp::socket& a = sockets.first;  // plain references: clang 14 cannot capture bindings
    tcp::socket& b = sockets.second;
    manual_clock clock;
    session_options opts;
    opts.clock = &clock;
    opts.ping_interval = std::chrono::milliseconds(1);  // ticks fast; death is decided by `clock`
    opts.dead_after = std::chrono::seconds(45);
    auto s = session::create(common::any_stream(std::move(b)), role::client, opts);
    s->start();
    error_code reason;
    int pings_seen = 0;
    net::co_spawn(io, [&]() -> net::awaitable<void> {
        // The peer reads our PINGs but never answers anything.
        std::array<std::uint8_t, 12> h{};
        for (;;) {
            auto [ec, n] = co_await net::async_read(a, net::buffer(h), use_tuple);
            if (ec) break;
            (void)n;
            if (decode(h).header.type == frame_type::ping) ++pings_seen;
            if (pings_seen == 3) clock.advance(std::chrono::seconds(44));  // still alive
            if (pings_seen == 6) {
                EXPECT_TRUE(s->is_open());
                clock.advance(std::chrono::seconds(2));  // now 46 s of silence
            }
        }
    }, net::detached);
    net::co_spawn(io, [&]() -> net::awaitable<void> { reason = co_await s->wait_closed(); }, net::detached);
    io.run_for(std::chrono::seconds(30));
    EXPECT_EQ(reason, mux_error::heartbeat_timeout);
    EXPECT_GE(pings_seen, 6);
}

TEST(mux_heartbeat, answered_pings_keep_the_session_and_measure_rtt) {
    session_options fast;
    fast.ping_interval = std::chrono::milliseconds(1);
    session_pair p(fast, fast);
    p.run([&]() -> net::awaitable<void> {
        CO_REQUIRE(co_await eventually([&] { return p.client->stats().pings_answered >= 5; }));
        EXPECT_GT(p.client->stats().rtt.count(), 0);
        EXPECT_TRUE(p.client->is_open());
        EXPECT_TRUE(p.server->is_open());
    });
}

TEST(mux_session, close_fails_every_stream_and_later_calls) {
    session_pair p;
    p.run([&]() -> net::awaitable<void> {
        auto opened = co_await p.client->open_stream();
        CO_REQUIRE(!std::get<0>(opened));
        stream& a = std::get<1>(opened);
        bool read_failed = false;
        net::co_spawn(p.io, [&]() -> net::awaitable<void> {
            std::array<char, 8> buf{};
            auto [ec, n] = co_await a.async_read_some(net::buffer(buf), use_tuple);
            (void)n;
            read_failed = ec == net::error::connection_aborted;
        }, net::detached);
        auto [e2, sa] = co_await p.server->accept_stream();
        CO_REQUIRE(!e2);
        p.client->close(make_error_code(mux_error::going_away));
        CO_REQUIRE(co_await eventually([&] { return read_failed; }));
        auto [e3, s3] = co_await p.client->open_stream();
        EXPECT_EQ(e3, mux_error::going_away);
        EXPECT_EQ(co_await p.client->wait_closed(), mux_error::going_away);
        // the server sees the transport end
        EXPECT_EQ(co_await p.server->wait_closed(), net::error::eof);
        auto [got, rec] = co_await read_all(sa);
        EXPECT_EQ(rec, net::error::connection_aborted);
    });
}

TEST(mux_session, works_through_any_stream) {
    session_pair p;
    p.run([&]() -> net::awaitable<void> {
        auto [e1, a] = co_await p.client->open_stream();
        CO_REQUIRE(!e1);
        common::any_stream wrapped(std::move(a), "tunnel:test/1");
        auto [e2, sa] = co_await p.server->accept_stream();
        CO_REQUIRE(!e2);
        net::co_spawn(p.io, echo_one(std::move(sa)), net::detached);
        co_await net::async_write(wrapped, net::buffer(std::string("via any_stream")), use_tuple);
        auto [sec] = co_await wrapped.async_shutdown(use_tuple);
        EXPECT_FALSE(sec);
        auto [reply, ec] = co_await read_all(wrapped);
        EXPECT_EQ(reply, "via any_stream");
        EXPECT_EQ(ec, net::error::eof);
        wrapped.close();
    });
}

}  // namespace
}  // namespace printgate::tunnel
