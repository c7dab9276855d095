#include "websocket_session.hpp"

#include "printgate/common/any_stream_websocket.hpp"

#include "command_executor.hpp"
#include "printgate/edge/edge_app.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace printgate::edge {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

// Shared by the reading and the writing coroutine; the last one out frees it.
struct ws_state {
    websocket::stream<common::any_stream> ws;
    net::steady_timer wake;
    std::shared_ptr<push_client> client;
    bool done = false;
    ws_state(common::any_stream s, std::size_t queue)
        : ws(std::move(s)), wake(ws.get_executor()), client(std::make_shared<push_client>(queue)) {}
};

net::awaitable<void> write_loop(std::shared_ptr<ws_state> st) {
    while (!st->done) {
        while (auto text = st->client->queue.pop()) {
            st->ws.text(true);
            auto [ec, n] = co_await st->ws.async_write(net::buffer(*text), use_tuple);
            if (ec) {
                st->done = true;
                st->ws.next_layer().close();  // ends the reader too
                co_return;
            }
        }
        if (st->done) break;
        st->wake.expires_at(net::steady_timer::time_point::max());
        co_await st->wake.async_wait(use_tuple);
    }
}

}  // namespace

net::awaitable<void> run_websocket(common::any_stream stream, beast::flat_buffer buffer, http::request<http::empty_body> req,
                                   edge_app& app, connection_info info, std::string user) {
    (void)buffer;
    (void)info;
    auto st = std::make_shared<ws_state>(std::move(stream), app.config().websocket_queue);
    st->ws.read_message_max(max_command_bytes);
    st->ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "printgate-edge"); }));
    auto [aec] = co_await st->ws.async_accept(req, use_tuple);
    if (aec) co_return;

    st->client->wake = [w = std::weak_ptr<ws_state>(st)] {
        if (auto s = w.lock()) s->wake.cancel();
    };
    auto& printer = app.printer();
    st->client->queue.push("state", printer.envelope("status", printer.state_json()).dump());
    st->client->queue.push("temperatures", printer.envelope("status", printer.temperatures_json()).dump());
    st->client->queue.push("progress", printer.envelope("status", printer.job_json()).dump());
    app.hub().add(st->client);
    net::co_spawn(st->ws.get_executor(), write_loop(st), net::detached);

    beast::flat_buffer in;
    while (!st->done) {
        in.clear();
        auto [ec, n] = co_await st->ws.async_read(in, use_tuple);
        if (ec) break;
        auto reply = handle_command_text(app, beast::buffers_to_string(in.data()), user);
        st->client->queue.push("reply", reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        st->client->wake();
    }
    st->done = true;
    st->wake.cancel();
}

}  // namespace printgate::edge
