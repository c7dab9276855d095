#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <printgate/camera/camera_http.hpp>
#include <printgate/camera/camera_service.hpp>
#include <printgate/camera/jpeg.hpp>
#include <string>
#include <vector>

namespace printgate::camera {

namespace {

using boost::system::error_code;
constexpr std::string_view boundary = "printgate-frame";

struct parsed_target {
    std::string_view path;
    std::string_view query;
};

parsed_target split(std::string_view target) {
    auto q = target.find('?');
    parsed_target t{target.substr(0, q), q == std::string_view::npos ? std::string_view{} : target.substr(q + 1)};
    while (t.path.size() > 1 && t.path.back() == '/') t.path.remove_suffix(1);
    return t;
}

// The value of `key` in an application/x-www-form-urlencoded query (no decoding: every
// value this endpoint takes is a plain token).
std::string_view param(std::string_view query, std::string_view key) {
    while (!query.empty()) {
        auto amp = query.find('&');
        auto item = query.substr(0, amp);
        auto eq = item.find('=');
        if (item.substr(0, eq) == key) return eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

std::optional<int> to_int(std::string_view s) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}

std::string timestamp(clock::time_point grab) {
    // Wall-clock seconds of the grab, for tools that show a stream's delay.
    auto age = std::chrono::steady_clock::now() - grab;
    auto wall = std::chrono::system_clock::now() - std::chrono::duration_cast<std::chrono::system_clock::duration>(age);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(wall.time_since_epoch()).count();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(us / 1000000),
                  static_cast<long long>(us % 1000000));
    return buf;
}

// Writes with a deadline: a viewer that does not read for `timeout` is cut off (the stream
// is closed, the write fails), so a dead connection never holds a slot.
template <class Buffers>
net::awaitable<error_code> timed_write(common::any_stream& s, const Buffers& buffers,
                                       std::chrono::milliseconds timeout) {
    net::steady_timer timer(s.get_executor());
    timer.expires_after(timeout);
    auto armed = std::make_shared<bool>(true);
    timer.async_wait([&s, armed](error_code ec) {
        if (!ec && *armed) s.close();
    });
    auto [ec, n] = co_await net::async_write(s, buffers, net::as_tuple(net::use_awaitable));
    (void)n;
    *armed = false;
    timer.cancel();
    co_return ec;
}

std::string head(int status, std::string_view reason, std::string_view type, std::size_t length, bool keep_alive,
                 std::string_view extra = {}) {
    std::string h = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
    h += "Content-Type: " + std::string(type) + "\r\n";
    h += "Content-Length: " + std::to_string(length) + "\r\n";
    h += "Cache-Control: no-store\r\n";
    h += extra;
    h += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
    return h;
}

net::awaitable<bool> reply(camera_service& svc, common::any_stream& s, const camera_request& req, int status,
                           std::string_view reason, std::string_view type, std::string body,
                           std::string_view extra = {}) {
    bool keep = req.keep_alive;
    auto h = head(status, reason, type, body.size(), keep, extra);
    error_code ec;
    if (req.method == "HEAD") {
        ec = co_await timed_write(s, net::buffer(h), svc.options().write_timeout);
    } else {
        std::array<net::const_buffer, 2> b{net::buffer(h), net::buffer(body)};
        ec = co_await timed_write(s, b, svc.options().write_timeout);
    }
    co_return !ec && keep;
}

net::awaitable<bool> error_reply(camera_service& svc, common::any_stream& s, const camera_request& req, int status,
                                 std::string_view reason, std::string_view message) {
    nlohmann::json j{{"error", message}};
    co_return co_await reply(svc, s, req, status, reason, "application/json", j.dump() + "\n");
}

net::awaitable<bool> serve_snapshot(camera_service& svc, common::any_stream& s, const camera_request& req,
                                    camera_unit& cam, int scale) {
    auto f = co_await svc.snapshot(cam.config().name);
    if (!f) co_return co_await error_reply(svc, s, req, 503, "Service Unavailable", "no picture from the camera");
    std::string extra =
        "X-Frame-Number: " + std::to_string(f->number) + "\r\nX-Timestamp: " + timestamp(f->grab_time) + "\r\n";
    std::string body;
    if (scale > 1) {
        auto small = scale_jpeg(f->jpeg, scale);
        if (small.empty())
            co_return co_await error_reply(svc, s, req, 500, "Internal Server Error", "cannot scale this picture");
        body.assign(small.begin(), small.end());
    } else {
        body.assign(f->jpeg.begin(), f->jpeg.end());
    }
    co_return co_await reply(svc, s, req, 200, "OK", "image/jpeg", std::move(body), extra);
}

net::awaitable<bool> serve_stream(camera_service& svc, common::any_stream& s, const camera_request& req,
                                  camera_unit& cam, double max_fps) {
    auto& hub = cam.hub();
    if (hub.viewers() >= static_cast<std::size_t>(svc.options().max_viewers_per_camera))
        co_return co_await error_reply(svc, s, req, 503, "Service Unavailable", "too many viewers");
    auto viewer = hub.add_viewer({max_fps, true}, /*with_latest=*/true);
    std::string h = "HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=";
    h += boundary;
    h += "\r\nCache-Control: no-store, no-cache, must-revalidate\r\nPragma: no-cache\r\n"
         "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n";
    if (req.method == "HEAD") {
        co_await timed_write(s, net::buffer(h), svc.options().write_timeout);
        co_return false;
    }
    // The boundary goes right after each picture (and once up front) so that a browser shows
    // a picture as soon as it has arrived instead of when the next one starts.
    h += "--";
    h += boundary;
    h += "\r\n";
    if (auto ec = co_await timed_write(s, net::buffer(h), svc.options().write_timeout)) co_return false;
    std::string tail = "\r\n--" + std::string(boundary) + "\r\n";
    std::uint64_t last = 0;
    for (;;) {
        auto f = co_await viewer.next(last, std::chrono::seconds(1));
        if (!f) {
            if (viewer.slot().closed()) break;
            continue;
        }
        last = f->number;
        std::string part = "Content-Type: image/jpeg\r\nContent-Length: " + std::to_string(f->jpeg.size()) +
                           "\r\nX-Frame-Number: " + std::to_string(f->number) +
                           "\r\nX-Timestamp: " + timestamp(f->grab_time) + "\r\n\r\n";
        std::array<net::const_buffer, 3> b{net::buffer(part), net::buffer(f->jpeg), net::buffer(tail)};
        if (auto ec = co_await timed_write(s, b, svc.options().write_timeout)) break;
    }
    co_return false;
}

std::string state_json(camera_service& svc, camera_unit& cam) {
    auto st = cam.hub().stats();
    nlohmann::json j{
        {"camera", cam.config().name},
        {"kind", to_string(cam.config().kind)},
        {"running", cam.source_running()},
        {"fps_in", st.fps_in},
        {"fps_out", st.fps_out},
        {"viewers", st.viewers},
        {"demand", st.demand},
        {"frames_in", st.frames_in},
        {"frames_out", st.frames_out},
        {"drops", st.drops},
        {"latency_ms", st.latency_ms},
        {"last_error", cam.source().last_error()},
    };
    if (auto f = cam.hub().latest()) {
        j["frame"] = {
            {"number", f->number},
            {"width", f->width},
            {"height", f->height},
            {"bytes", f->jpeg.size()},
            {"age_ms", std::chrono::duration<double, std::milli>(svc.time().now() - f->expose_time).count()},
            {"grab_to_encode_ms", std::chrono::duration<double, std::milli>(f->encode_time - f->grab_time).count()},
        };
    } else {
        j["frame"] = nullptr;
    }
    return j.dump() + "\n";
}

std::string providers_json(camera_service& svc) {
    auto list = nlohmann::json::array();
    for (const auto& p : svc.get_providers()) {
        list.push_back({{"name", p.name},
                        {"kind", p.kind},
                        {"address", p.address},
                        {"width", p.width},
                        {"height", p.height},
                        {"fps", p.fps},
                        {"running", p.running},
                        {"viewers", p.viewers},
                        {"last_error", p.last_error}});
    }
    return nlohmann::json{{"providers", list}}.dump() + "\n";
}

// /webcam/timelapse (list), /webcam/timelapse/NAME (GET download, DELETE remove).
net::awaitable<bool> serve_timelapse(camera_service& svc, common::any_stream& s, const camera_request& req,
                                     std::string_view path) {
    timelapse* tl = svc.print_timelapse();
    if (!tl) co_return co_await error_reply(svc, s, req, 404, "Not Found", "no timelapse (camera.timelapse is off)");
    const bool read = req.method == "GET" || req.method == "HEAD";
    if (path == "/webcam/timelapse") {
        if (!read)
            co_return co_await reply(svc, s, req, 405, "Method Not Allowed", "application/json",
                                     "{\"error\":\"GET or HEAD\"}\n", "Allow: GET, HEAD\r\n");
        auto items = nlohmann::json::array();
        for (const auto& i : tl->list()) items.push_back({{"name", i.name}, {"bytes", i.bytes}, {"kind", i.kind}});
        nlohmann::json j{{"timelapses", items}, {"printing", tl->printing()}, {"rendering", tl->rendering()},
                         {"frames", tl->frames_captured()}};
        co_return co_await reply(svc, s, req, 200, "OK", "application/json", j.dump() + "\n");
    }
    const auto name = path.substr(std::string_view("/webcam/timelapse/").size());
    if (req.method == "DELETE") {
        if (!tl->remove(name)) co_return co_await error_reply(svc, s, req, 404, "Not Found", "no such timelapse");
        co_return co_await reply(svc, s, req, 200, "OK", "application/json", "{\"deleted\":true}\n");
    }
    if (!read)
        co_return co_await reply(svc, s, req, 405, "Method Not Allowed", "application/json",
                                 "{\"error\":\"GET, HEAD or DELETE\"}\n", "Allow: GET, HEAD, DELETE\r\n");
    auto file = tl->path_of(name);
    std::error_code ec;
    const auto size = file ? std::filesystem::file_size(*file, ec) : 0;
    std::ifstream in;
    if (file && !ec) in.open(*file, std::ios::binary);
    if (!file || ec || !in) co_return co_await error_reply(svc, s, req, 404, "Not Found", "no such timelapse");
    // The names are the timelapse's own ([A-Za-z0-9._-] and a stamp): safe in a quoted string.
    const bool mp4 = name.size() > 4 && name.substr(name.size() - 4) == ".mp4";
    std::string h = head(200, "OK", mp4 ? "video/mp4" : "application/x-tar", size, req.keep_alive,
                         "Content-Disposition: attachment; filename=\"" + std::string(name) + "\"\r\n");
    if (auto wec = co_await timed_write(s, net::buffer(h), svc.options().write_timeout)) co_return false;
    if (req.method == "HEAD") co_return req.keep_alive;
    // In pieces: a video can be tens of megabytes.
    std::vector<char> chunk(64 * 1024);
    std::uintmax_t left = size;
    while (left > 0) {
        const auto want = static_cast<std::streamsize>(std::min<std::uintmax_t>(left, chunk.size()));
        in.read(chunk.data(), want);
        if (in.gcount() != want) co_return false;  // the file shrank: the length is a lie now
        if (auto wec = co_await timed_write(s, net::buffer(chunk.data(), static_cast<std::size_t>(want)),
                                            svc.options().write_timeout))
            co_return false;
        left -= static_cast<std::uintmax_t>(want);
    }
    co_return req.keep_alive;
}

}  // namespace

bool is_camera_target(std::string_view target) {
    auto path = target.substr(0, target.find('?'));
    return path == "/webcam" || path.rfind("/webcam/", 0) == 0;
}

net::awaitable<bool> serve(camera_service& svc, common::any_stream& stream, const camera_request& req) {
    if (auto t = split(req.target); t.path == "/webcam/timelapse" || t.path.rfind("/webcam/timelapse/", 0) == 0)
        co_return co_await serve_timelapse(svc, stream, req, t.path);
    if (req.method != "GET" && req.method != "HEAD")
        co_return co_await reply(svc, stream, req, 405, "Method Not Allowed", "application/json",
                                 "{\"error\":\"GET or HEAD\"}\n", "Allow: GET, HEAD\r\n");
    auto t = split(req.target);
    if (!is_camera_target(t.path))
        co_return co_await error_reply(svc, stream, req, 404, "Not Found", "no such camera endpoint");

    std::string_view what = t.path == "/webcam" ? param(t.query, "action") : t.path.substr(8);
    if (what == "providers")
        co_return co_await reply(svc, stream, req, 200, "OK", "application/json", providers_json(svc));

    camera_unit* cam = svc.find(param(t.query, "camera"));
    if (!cam) co_return co_await error_reply(svc, stream, req, 404, "Not Found", "no such camera");

    if (what == "stream") {
        double fps = 0;
        if (auto v = param(t.query, "fps"); !v.empty()) {
            auto n = to_int(v);
            if (!n || *n < 1 || *n > 120)
                co_return co_await error_reply(svc, stream, req, 400, "Bad Request", "fps: 1 to 120");
            fps = *n;
        }
        co_return co_await serve_stream(svc, stream, req, *cam, fps);
    }
    if (what == "snapshot") {
        int scale = 1;
        if (auto v = param(t.query, "scale"); !v.empty()) {
            auto n = to_int(v);
            if (!n || (*n != 1 && *n != 2 && *n != 4 && *n != 8))
                co_return co_await error_reply(svc, stream, req, 400, "Bad Request", "scale: 1, 2, 4 or 8");
            scale = *n;
        }
        co_return co_await serve_snapshot(svc, stream, req, *cam, scale);
    }
    if (what == "state")
        co_return co_await reply(svc, stream, req, 200, "OK", "application/json", state_json(svc, *cam));
    co_return co_await error_reply(svc, stream, req, 404, "Not Found", "no such camera endpoint");
}

}  // namespace printgate::camera
