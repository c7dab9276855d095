// One HTTP/1.1 connection, read top to bottom: header, then (by route) a small body, a
// streamed upload, or a WebSocket upgrade; keep-alive until the peer leaves.
#include "printgate/common/connection_deadline.hpp"
#include "http_types.hpp"
#include "lan_sign_in.hpp"
#include "printgate/edge/edge_app.hpp"
#include "upload_route.hpp"
#include "websocket_session.hpp"

#ifdef PRINTGATE_EDGE_HAS_CAMERA
#include "printgate/camera/camera_http.hpp"
#endif

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>

#include <array>

namespace printgate::edge {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

bool key_matches(const std::string& expected, std::string_view given) {
    return !expected.empty() && given.size() == expected.size() &&
           CRYPTO_memcmp(expected.data(), given.data(), given.size()) == 0;
}

// Who may do what: a tunnel stream was let through by the relay's gate; the OctoPrint
// subset always wants the API key otherwise; on a LAN listener everything wants the key or a
// signed-in session (lan_sign_in.hpp), except the sign-in pages themselves.
bool authorized(route_context& ctx) {
    if (ctx.info.via_tunnel) {
        auto user = ctx.req["X-Printgate-User"];
        ctx.user = std::string(user.substr(0, 128));
        return true;
    }
    const bool octoprint = ctx.path.rfind("/api/", 0) == 0 && ctx.path.rfind("/api/v1/", 0) != 0 && ctx.path != "/api/v1";
    if (!octoprint && !ctx.app.lan()) return true;
    auto key = ctx.req["X-Api-Key"];
    if (key.empty()) {
        auto it = ctx.query.find("apikey");
        if (it != ctx.query.end()) key = it->second;
    }
    if (key_matches(ctx.app.api_key(), key)) {
        ctx.user = "api-key";
        return true;
    }
    return ctx.app.lan() && (is_lan_page(ctx.path) || lan_signed_in(ctx));
}

response dispatch(route_context& ctx) {
    for (auto* route : {route_home, route_printer, route_files, route_jobs, route_history, route_octoprint}) {
        if (auto res = route(ctx)) return std::move(*res);
    }
    return error_response(ctx.req, http::status::not_found, "no such endpoint: " + ctx.path);
}

// After an early answer to a request whose body was not read (413, 507, ...): say we are done
// (FIN / close_notify), then read and drop what the client still sends, a bounded amount and
// only while it keeps sending, so that closing does not reset the connection under the answer
// before the client has read it.
net::awaitable<void> linger_close(common::any_stream& stream, common::connection_deadline& deadline) {
    constexpr std::size_t max_drain = 8u << 20;
    constexpr auto quiet = std::chrono::seconds(2);
    deadline.arm(quiet);
    co_await stream.async_shutdown(use_tuple);
    std::array<char, 16 * 1024> sink;
    for (std::size_t drained = 0; drained < max_drain;) {
        deadline.arm(quiet);
        auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
        if (ec) break;
        drained += n;
    }
    deadline.disarm();
}

}  // namespace

net::awaitable<void> http_server::serve(common::any_stream stream, connection_info info) {
    const auto& cfg = app_.config();
    const auto idle = std::chrono::milliseconds(cfg.idle_timeout_ms);
    common::connection_deadline deadline(stream);
    beast::flat_buffer buffer(cfg.max_header_bytes + 1024);
    for (;;) {
        http::request_parser<http::empty_body> head;
        head.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
        // Each route sets its own body limit (uploads have a far larger one); here a large
        // Content-Length must not fail the header, or the client would get no answer at all.
        head.body_limit(boost::none);
        deadline.arm(idle);
        auto [ec, n] = co_await http::async_read_header(stream, buffer, head, use_tuple);
        if (ec == http::error::end_of_stream || ec == net::error::eof) break;
        if (ec == http::error::header_limit) {
            request dummy{http::verb::get, "/", 11};
            auto res = error_response(dummy, http::status::request_header_fields_too_large, "the request headers are too large");
            res.keep_alive(false);
            auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
            if (!wec) co_await linger_close(stream, deadline);
            co_return;
        }
        if (ec) co_return;

        request req;
        req.base() = head.get().base();
        const std::string target(req.target());
        const auto qpos = target.find('?');
        route_context ctx{app_, info, req, target.substr(0, qpos),
                          qpos == std::string::npos ? std::map<std::string, std::string>{} : parse_query(target.substr(qpos + 1)),
                          {}};

        response res;
        bool close = false;
        if (!authorized(ctx)) {
            res = ctx.app.lan() ? lan_refusal(ctx) : error_response(req, http::status::unauthorized, "a valid X-Api-Key is required");
            close = true;
        }
#ifdef PRINTGATE_EDGE_HAS_CAMERA
        // The webcam (mjpg-streamer style URLs too): edge/camera/ writes the whole answer.
        const auto action = ctx.query.find("action");
        const bool camera_alias = action != ctx.query.end() && (action->second == "stream" || action->second == "snapshot");
        if (!close && app_.camera() && (camera::is_camera_target(ctx.path) || camera_alias)) {
            if ((head.content_length() && *head.content_length() > 0) || head.chunked()) break;  // no bodies here
            camera::camera_request creq{std::string(req.method_string()),
                                        camera_alias && !camera::is_camera_target(ctx.path) ? "/webcam/?action=" + action->second : target,
                                        req.keep_alive()};
            deadline.disarm();  // a stream runs as long as someone watches
            const bool again = co_await camera::serve(*app_.camera(), stream, creq);
            if (!again) co_return;
            continue;
        }
#endif
        if (!close && ctx.path == "/api/v1/ws" && beast::websocket::is_upgrade(head.get())) {
            deadline.disarm();
            co_await run_websocket(std::move(stream), std::move(buffer), head.release(), app_, info, ctx.user);
            co_return;
        }

        if (close) {
            // answered below without reading the body
        } else if (is_upload_route(ctx)) {
            res = co_await receive_upload(stream, buffer, head, ctx, close, deadline);
        } else if (head.content_length() && *head.content_length() > cfg.max_body_bytes) {
            res = error_response(req, http::status::payload_too_large, "the request body is too large");
            close = true;
        } else {
            http::request_parser<http::string_body> full{std::move(head)};
            full.body_limit(cfg.max_body_bytes);
            auto [rec, rn] = co_await http::async_read(stream, buffer, full, use_tuple);
            if (rec == http::error::body_limit) {
                res = error_response(req, http::status::payload_too_large, "the request body is too large");
                close = true;
            } else if (rec) {
                break;
            } else {
                req.body() = std::move(full.get().body());
                std::optional<response> err;
                if (auto file = download_target(ctx, err)) {
                    http::response<http::file_body> fres{http::status::ok, req.version()};
                    beast::error_code fec;
                    fres.body().open(file->c_str(), beast::file_mode::scan, fec);
                    if (!fec) {
                        fres.set(http::field::content_type, "text/x.gcode");
                        fres.set(http::field::content_disposition, "attachment");
                        fres.keep_alive(req.keep_alive());
                        fres.prepare_payload();
                        deadline.arm(idle);
                        auto [fwec, fwn] = co_await http::async_write(stream, fres, use_tuple);
                        if (fwec || !fres.keep_alive()) break;
                        continue;
                    }
                    err = error_response(req, http::status::not_found, "cannot open the file");
                }
                if (err) {
                    res = std::move(*err);
                } else if (ctx.app.lan() && !info.via_tunnel && is_lan_page(ctx.path)) {
                    auto page = co_await serve_lan_page(ctx);
                    res = std::move(page);
                } else {
                    res = dispatch(ctx);
                }
            }
        }
        if (close) res.keep_alive(false);
        deadline.arm(idle);  // a client that does not read its answer
        auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
        if (wec) co_return;
        if (close) {
            co_await linger_close(stream, deadline);
            co_return;
        }
        if (!res.keep_alive()) break;
    }
    deadline.arm(idle);
    co_await stream.async_shutdown(use_tuple);
    deadline.disarm();
}

}  // namespace printgate::edge
