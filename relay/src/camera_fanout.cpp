#include "camera_fanout.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>
#include <nlohmann/json.hpp>

#include <printgate/camera/camera_config.hpp>
#include <printgate/camera/camera_http.hpp>
#include <printgate/camera/camera_service.hpp>

#include "camera_edge_state.hpp"
#include "camera_tunnel_source.hpp"
#include "http_head.hpp"

namespace printgate::relay {

namespace {

enum class camera_kind { none, stream, snapshot, state };

struct camera_target {
    camera_kind kind = camera_kind::none;
    std::string_view camera;  // empty: the edge's first camera
};

bool plain_name(std::string_view s) {
    if (s.empty() || s.size() > 32) return false;
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool fps_value(std::string_view s) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc{} && p == s.data() + s.size() && v >= 1 && v <= 120;
}

// What the fan-out serves; kind none for everything the edge should answer itself.
camera_target classify(std::string_view target) {
    const auto q = target.find('?');
    auto path = target.substr(0, q);
    const auto query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);

    std::string_view action, camera, fps;
    bool action_seen = false, camera_seen = false, fps_seen = false;
    auto rest = query;
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const auto item = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) return {};
        const auto key = item.substr(0, eq);
        const auto value = item.substr(eq + 1);
        bool* seen = nullptr;
        std::string_view* slot = nullptr;
        if (key == "action") {
            seen = &action_seen;
            slot = &action;
        } else if (key == "camera") {
            seen = &camera_seen;
            slot = &camera;
        } else if (key == "fps") {
            seen = &fps_seen;
            slot = &fps;
        } else {
            return {};  // scale=, anything unknown: the edge answers
        }
        if (*seen) return {};  // twice: let the edge judge
        *seen = true;
        *slot = value;
    }
    camera_kind kind = camera_kind::none;
    if (path == "/webcam" && action_seen) {
        if (action == "stream") kind = camera_kind::stream;
        else if (action == "snapshot") kind = camera_kind::snapshot;
    } else if (!action_seen) {
        if (path == "/webcam/stream") kind = camera_kind::stream;
        else if (path == "/webcam/snapshot") kind = camera_kind::snapshot;
        else if (path == "/webcam/state") kind = camera_kind::state;
    }
    if (kind == camera_kind::none) return {};
    if (camera_seen && !plain_name(camera)) return {};
    if (fps_seen && (kind != camera_kind::stream || !fps_value(fps))) return {};
    return {kind, camera};
}

// The coroutine keeps the camera alive for as long as it serves from it.
boost::asio::awaitable<bool> serve_from(std::shared_ptr<camera::camera_service> service, common::any_stream& browser,
                                        camera::camera_request request) {
    co_return co_await camera::serve(*service, browser, request);
}

}  // namespace

camera_fanout::camera_fanout(device_directory& devices, camera_fanout_options options)
    : devices_(devices), options_(options) {}

camera_fanout::~camera_fanout() {
    for (auto& [key, service] : cameras_) service->stop();
}

bool camera_fanout::takes(std::string_view method, std::string_view target, bool has_body) {
    if (has_body || (method != "GET" && method != "HEAD")) return false;
    return classify(target).kind != camera_kind::none;
}

bool camera_fanout::is_stream(std::string_view target) { return classify(target).kind == camera_kind::stream; }

void camera_fanout::sweep() {
    for (auto it = cameras_.begin(); it != cameras_.end();) {
        auto* unit = it->second->find("");
        const bool done = !unit || unit->hub().closed() || (!unit->source_running() && unit->hub().demand() == 0);
        if (done) {
            it->second->stop();
            it = cameras_.erase(it);
        } else {
            ++it;
        }
    }
}

std::shared_ptr<camera::camera_service> camera_fanout::service_for(const common::any_stream& browser,
                                                                   const camera_request_view& request,
                                                                   std::string_view camera_name) {
    sweep();
    std::string key(request.device);
    key += '/';
    key += camera_name;
    if (auto it = cameras_.find(key); it != cameras_.end()) return it->second;

    auto executor = browser.get_executor();
    camera::service_options service_options;
    service_options.write_timeout = options_.write_timeout;
    service_options.snapshot_timeout = options_.snapshot_timeout;
    service_options.max_viewers_per_camera = options_.max_viewers_per_camera;
    auto service = std::make_shared<camera::camera_service>(executor, std::vector<camera::camera_config>{},
                                                            service_options);
    camera::camera_config config;
    config.name = camera_name.empty() ? "default" : std::string(camera_name);
    config.kind = camera::source_kind::http;
    config.idle_linger = options_.idle_linger;
    auto hub = std::make_shared<camera::frame_hub>(executor);
    camera_upstream upstream{std::string(request.device), std::string(request.host), "/webcam/stream"};
    if (!camera_name.empty()) upstream.target += "?camera=" + std::string(camera_name);
    camera::http_source_options read_options;
    read_options.read_timeout = options_.read_timeout;
    auto source = std::make_unique<camera_tunnel_source>(devices_, std::move(upstream), hub, read_options);
    service->add(std::make_unique<camera::camera_unit>(executor, std::move(config), steady_clock_source::instance(),
                                                       std::move(source), std::move(hub)));
    cameras_.emplace(std::move(key), service);
    return service;
}

boost::asio::awaitable<bool> camera_fanout::serve(common::any_stream& browser, proxy_deadline& deadline,
                                                  const camera_request_view& request) {
    const auto target = classify(request.target);
    if (target.kind == camera_kind::state) co_return co_await serve_state(browser, request, std::string(target.camera));
    auto service = service_for(browser, request, target.camera);
    // A stream lives as long as someone watches; camera::serve's write timeout drops a
    // viewer that stops reading, and the upstream's read timeout ends a silent stream.
    if (target.kind == camera_kind::stream) deadline.phase(std::chrono::hours(24 * 366));
    camera::camera_request creq{std::string(request.method), std::string(request.target), request.keep_alive};
    auto executor = service->executor();
    co_return co_await boost::asio::co_spawn(executor, serve_from(std::move(service), browser, std::move(creq)),
                                             boost::asio::use_awaitable);
}

nlohmann::json camera_fanout::relay_figures(std::string_view device, std::string_view camera_name) {
    nlohmann::json out{{"viewers", 0},      {"fps_in", 0.0}, {"fps_out", 0.0},          {"frames_in", 0},
                       {"frames_out", 0},   {"drops", 0},    {"upstream_open", false}, {"upstreams_opened", 0},
                       {"last_error", ""}};
    std::string key(device);
    key += '/';
    key += camera_name;
    auto it = cameras_.find(key);
    camera::camera_unit* unit = it == cameras_.end() ? nullptr : it->second->find("");
    if (!unit) return out;
    const auto st = unit->hub().stats();
    out["viewers"] = st.viewers;
    out["fps_in"] = st.fps_in;
    out["fps_out"] = st.fps_out;
    out["frames_in"] = st.frames_in;
    out["frames_out"] = st.frames_out;
    out["drops"] = st.drops;
    out["upstream_open"] = unit->source_running() && !unit->hub().closed();
    if (const auto* source = dynamic_cast<const camera_tunnel_source*>(&unit->source()))
        out["upstreams_opened"] = source->opens();
    out["last_error"] = unit->source().last_error();
    return out;
}

boost::asio::awaitable<bool> camera_fanout::serve_state(common::any_stream& browser,
                                                        const camera_request_view& request, std::string camera_name) {
    namespace http = boost::beast::http;
    const std::string device(request.device);
    const bool head_only = request.method == "HEAD";
    const bool keep_alive = request.keep_alive;
    std::string target = "/webcam/state";
    if (!camera_name.empty()) target += "?camera=" + camera_name;
    auto edge = co_await ask_edge_camera_state(devices_, device, request.host, target, options_.state_timeout);

    // Figures taken after the edge answered: the fan-out may have changed meanwhile.
    auto relay = relay_figures(device, camera_name);
    http::response<http::string_body> res;
    if (edge.status == 200) {
        auto doc = nlohmann::json::parse(edge.body, nullptr, false);
        if (!doc.is_object()) {
            edge.status = 0;
            edge.error = "the device's answer is not a JSON object";
        } else {
            // The edge sees one viewer, the relay's upstream; the people watching are here.
            nlohmann::json out = doc;
            for (const char* k : {"viewers", "fps_out", "frames_out", "drops"}) out[k] = relay[k];
            out["relay"] = std::move(relay);
            out["edge"] = std::move(doc);
            res.result(http::status::ok);
            res.set(http::field::content_type, "application/json");
            res.body() = out.dump() + "\n";
        }
    } else if (edge.status != 0) {
        // Unknown camera, no camera, ...: the edge's own answer.
        res.result(static_cast<unsigned>(edge.status));
        if (!edge.type.empty()) res.set(http::field::content_type, edge.type);
        res.body() = std::move(edge.body);
    }
    if (edge.status == 0) {
        // As the proxy: 503 while the device is offline, 502 when it could not answer.
        res.result(devices_.presence(device).online ? http::status::bad_gateway : http::status::service_unavailable);
        res.set(http::field::content_type, "application/json");
        res.body() = nlohmann::json{{"error", "the device's camera state: " + edge.error}, {"relay", relay}}.dump() + "\n";
    }
    res.set(http::field::cache_control, "no-store");
    make_downstream_fields(http::fields{}, res.base(), false);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    boost::system::error_code ec;
    if (head_only) {
        http::response_serializer<http::string_body> sr(res);
        std::tie(ec, std::ignore) = co_await http::async_write_header(browser, sr, boost::asio::as_tuple(boost::asio::use_awaitable));
    } else {
        std::tie(ec, std::ignore) = co_await http::async_write(browser, res, boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return !ec && keep_alive;
}

std::size_t camera_fanout::open_upstreams() const {
    std::size_t n = 0;
    for (const auto& [key, service] : cameras_) {
        if (auto* unit = service->find(""); unit && unit->source_running() && !unit->hub().closed()) ++n;
    }
    return n;
}

}  // namespace printgate::relay
