#include "upload_route.hpp"

#include "printgate/edge/edge_app.hpp"
#include "upload_receiver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace printgate::edge {

namespace net = boost::asio;
namespace beast = boost::beast;

namespace {

constexpr std::uint64_t form_slack = 64 * 1024;  // the other fields and the part headers

bool truthy(const std::string& v) { return v == "true" || v == "1" || v == "yes" || v == "on"; }

}  // namespace

bool is_upload_route(const route_context& ctx) {
    return ctx.req.method() == http::verb::post && (ctx.path == "/api/v1/files" || ctx.path == "/api/files/local");
}

net::awaitable<response> receive_upload(common::any_stream& stream, beast::flat_buffer& buffer,
                                        http::request_parser<http::empty_body>& head, route_context& ctx, bool& close,
                                        common::connection_deadline& deadline) {
    const auto idle = std::chrono::milliseconds(ctx.app.config().idle_timeout_ms);
    const auto& req = ctx.req;
    auto& app = ctx.app;
    const std::uint64_t cap = app.config().max_upload_bytes;
    close = true;  // until the body has been read to its end

    auto boundary = multipart_boundary(req[http::field::content_type]);
    if (!boundary) co_return error_response(req, http::status::bad_request, "expected multipart/form-data with a boundary");
    if (auto length = head.content_length(); length && *length > cap + form_slack)
        co_return error_response(req, http::status::payload_too_large,
                                 "the upload is larger than the limit of " + std::to_string(cap) + " bytes");
    if (beast::iequals(req[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, req.version()};
        co_await http::async_write(stream, cont, net::as_tuple(net::use_awaitable));
    }

    upload_receiver receiver(app.files().root(), cap);
    multipart_parser parser(*boundary, receiver);
    http::request_parser<http::buffer_body> body{std::move(head)};
    body.body_limit(cap + form_slack);
    std::array<char, 64 * 1024> chunk;
    bool too_large = false;
    while (!body.is_done()) {
        body.get().body().data = chunk.data();
        body.get().body().size = chunk.size();
        deadline.arm(idle);
        auto [ec, n] = co_await http::async_read(stream, buffer, body, net::as_tuple(net::use_awaitable));
        if (ec == http::error::need_buffer) ec = {};
        if (ec == http::error::body_limit) {
            too_large = true;
            break;
        }
        if (ec) co_return error_response(req, http::status::bad_request, "the upload did not arrive whole: " + ec.message());
        const std::size_t got = chunk.size() - body.get().body().size;
        if (parser.feed(std::span<const char>(chunk.data(), got)) != multipart_error::none) break;
    }
    if (too_large || receiver.oversized())
        co_return error_response(req, http::status::payload_too_large,
                                 "the upload is larger than the limit of " + std::to_string(cap) + " bytes");
    if (receiver.write_error()) {
        spdlog::warn("upload: cannot write: {}", receiver.write_error().message());
        co_return error_response(req, http::status::insufficient_storage,
                                 "cannot store the upload: " + receiver.write_error().message());
    }
    if (!receiver.problem().empty()) co_return error_response(req, http::status::bad_request, receiver.problem());
    if (auto e = parser.finish(); e != multipart_error::none)
        co_return error_response(req, http::status::bad_request, to_string(e));
    close = false;
    if (!receiver.file()) co_return error_response(req, http::status::bad_request, "no file in the form field 'file'");

    // Browsers send a bare name; some clients send a path: keep only the last component.
    std::string name = receiver.filename();
    if (auto slash = name.find_last_of("/\\"); slash != std::string::npos) name = name.substr(slash + 1);
    if (!file_store::valid_name(name)) co_return error_response(req, http::status::bad_request, "'" + name + "' is not an acceptable file name");
    if (!file_store::is_gcode_name(name)) co_return error_response(req, http::status::unsupported_media_type, "only G-code files (.gcode, .gco, .g) are accepted");
    std::string why;
    const std::string folder_rel = receiver.field("path");
    auto folder = app.files().resolve(folder_rel, why, true);
    if (!folder) co_return error_response(req, http::status::bad_request, "path: " + why);
    std::error_code ec;
    std::filesystem::create_directories(*folder, ec);
    const std::string rel = folder_rel.empty() || folder_rel == "/" ? name : std::filesystem::path(folder_rel).lexically_normal().generic_string() + "/" + name;
    const auto target = *folder / name;
    if (!receiver.file()->commit(target, ec)) {
        if (ec == std::errc::is_a_directory) co_return error_response(req, http::status::conflict, "a folder has that name");
        co_return error_response(req, http::status::insufficient_storage, "cannot store the upload: " + ec.message());
    }
    const std::uint64_t size = receiver.file()->size();
    receiver.file().reset();
    app.metadata().invalidate(target.lexically_relative(app.files().root()).generic_string());

    bool printing = false;
    std::string print_error;
    if (truthy(receiver.field("print"))) printing = app.printer().start_print(target, rel, ctx.user, print_error);
    nlohmann::json out = {{"done", true},
                          {"name", name},
                          {"path", rel},
                          {"size", size},
                          {"printing", printing},
                          {"files", {{"local", {{"name", name}, {"path", rel}, {"origin", "local"},
                                                {"refs", {{"resource", "/api/files/local/" + rel}, {"download", "/downloads/files/local/" + rel}}}}}}}};
    if (!print_error.empty()) out["print_error"] = print_error;
    auto res = json_response(req, http::status::created, out);
    res.set(http::field::location, "/api/v1/files/" + rel);
    co_return res;
}

}  // namespace printgate::edge
