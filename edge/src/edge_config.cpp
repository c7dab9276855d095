#include "printgate/edge/edge_config.hpp"

#include "printgate/edge/gcode_download.hpp"

#include <toml++/toml.h>

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>

namespace printgate::edge {

namespace {

// One known key: how to read it into the config. Returns an error text or "".
using setter = std::function<std::string(const toml::node&, edge_config&)>;

template <class T>
setter integer(T edge_config::*field, std::int64_t lo, std::int64_t hi) {
    return [=](const toml::node& n, edge_config& c) -> std::string {
        auto v = n.value<std::int64_t>();
        if (!n.is_integer() || !v) return "must be an integer";
        if (*v < lo || *v > hi) return fmt::format("must be between {} and {}", lo, hi);
        c.*field = static_cast<T>(*v);
        return "";
    };
}

setter text(std::string edge_config::*field) {
    return [=](const toml::node& n, edge_config& c) -> std::string {
        if (!n.is_string()) return "must be a string";
        c.*field = *n.value<std::string>();
        return "";
    };
}

setter flag(bool edge_config::*field) {
    return [=](const toml::node& n, edge_config& c) -> std::string {
        if (!n.is_boolean()) return "must be true or false";
        c.*field = *n.value<bool>();
        return "";
    };
}

setter number(double printer_profile::*field, double lo, double hi) {
    return [=](const toml::node& n, edge_config& c) -> std::string {
        auto v = n.value<double>();
        if (!(n.is_floating_point() || n.is_integer()) || !v) return "must be a number";
        if (!(*v >= lo && *v <= hi)) return fmt::format("must be between {} and {}", lo, hi);
        c.profile.*field = *v;
        return "";
    };
}

const std::map<std::string, setter>& known_keys() {
    static const std::map<std::string, setter> keys = {
        {"http.address", text(&edge_config::http_address)},
        {"http.port", integer(&edge_config::http_port, 0, 65535)},
        {"http.max_header_bytes", integer(&edge_config::max_header_bytes, 1024, 1 << 20)},
        {"http.max_body_bytes", integer(&edge_config::max_body_bytes, 1024, 16 << 20)},
        {"http.websocket_queue", integer(&edge_config::websocket_queue, 4, 4096)},
        {"http.idle_timeout_ms", integer(&edge_config::idle_timeout_ms, 100, 3'600'000)},
        {"http.lan", flag(&edge_config::lan)},
        {"http.tls_cert", text(&edge_config::tls_cert)},
        {"http.tls_key", text(&edge_config::tls_key)},
        {"printer.id", text(&edge_config::printer_id)},
        {"printer.port", text(&edge_config::printer_port)},
        {"printer.baud", integer(&edge_config::baud, 0, 4'000'000)},
        {"printer.auto_connect", flag(&edge_config::auto_connect)},
        {"printer.flow",
         [](const toml::node& n, edge_config& c) -> std::string {
             auto v = n.value<std::string>();
             if (!n.is_string() || (*v != "windowed" && *v != "one-line")) return "must be \"windowed\" or \"one-line\"";
             c.flow = *v;
             return "";
         }},
        {"printer.rx_buffer", integer(&edge_config::rx_buffer, 16, 1 << 20)},
        {"profile.name",
         [](const toml::node& n, edge_config& c) -> std::string {
             if (!n.is_string()) return "must be a string";
             c.profile.name = *n.value<std::string>();
             return "";
         }},
        {"profile.volume_x", number(&printer_profile::volume_x, 1, 10000)},
        {"profile.volume_y", number(&printer_profile::volume_y, 1, 10000)},
        {"profile.volume_z", number(&printer_profile::volume_z, 1, 10000)},
        {"profile.heated_bed",
         [](const toml::node& n, edge_config& c) -> std::string {
             if (!n.is_boolean()) return "must be true or false";
             c.profile.heated_bed = *n.value<bool>();
             return "";
         }},
        {"profile.extruders",
         [](const toml::node& n, edge_config& c) -> std::string {
             auto v = n.value<std::int64_t>();
             if (!n.is_integer() || *v < 1 || *v > 8) return "must be an integer between 1 and 8";
             c.profile.extruders = static_cast<int>(*v);
             return "";
         }},
        {"profile.max_hotend_temp", number(&printer_profile::max_hotend_temp, 0, 500)},
        {"profile.max_bed_temp", number(&printer_profile::max_bed_temp, 0, 200)},
        {"files.max_upload_bytes", integer(&edge_config::max_upload_bytes, 1, std::int64_t{1} << 40)},
        {"download.allow_http", flag(&edge_config::download_allow_http)},
        {"download.allow_internal", flag(&edge_config::download_allow_internal)},
        {"download.timeout_ms", integer(&edge_config::download_timeout_ms, 100, 24 * 3'600'000)},
        {"download.ca_file", text(&edge_config::download_ca_file)},
        {"history.checkpoint_interval_ms", integer(&edge_config::checkpoint_interval_ms, 10, 600'000)},
        {"api.key", text(&edge_config::api_key)},
        {"camera.kind",
         [](const toml::node& n, edge_config& c) -> std::string {
             auto v = n.value<std::string>();
             if (!n.is_string() || (*v != "" && *v != "test" && *v != "http" && *v != "v4l2"))
                 return "must be \"\", \"test\", \"http\" or \"v4l2\"";
             c.camera_kind = *v;
             return "";
         }},
        {"camera.url", text(&edge_config::camera_url)},
        {"camera.device", text(&edge_config::camera_device)},
        {"camera.width", integer(&edge_config::camera_width, 16, 4096)},
        {"camera.height", integer(&edge_config::camera_height, 16, 4096)},
        {"camera.fps", integer(&edge_config::camera_fps, 1, 60)},
        {"camera.jpeg_quality", integer(&edge_config::camera_jpeg_quality, 1, 100)},
        {"camera.idle_linger_ms", integer(&edge_config::camera_idle_linger_ms, 0, 3'600'000)},
        {"camera.timelapse", flag(&edge_config::camera_timelapse)},
        {"camera.timelapse_interval_ms", integer(&edge_config::camera_timelapse_interval_ms, 0, 3'600'000)},
        {"alerts.webhooks",
         [](const toml::node& n, edge_config& c) -> std::string {
             const auto* a = n.as_array();
             if (!a || a->size() > 16) return "must be an array of at most 16 URLs";
             c.webhooks.clear();
             for (const auto& e : *a) {
                 auto v = e.value<std::string>();
                 if (!e.is_string() || (v->rfind("http://", 0) != 0 && v->rfind("https://", 0) != 0))
                     return "must hold http:// or https:// URLs";
                 std::string why;
                 if (!parse_download_url(*v, true, why)) return why;
                 c.webhooks.push_back(*v);
             }
             return "";
         }},
        {"alerts.webhook_attempts", integer(&edge_config::webhook_attempts, 1, 20)},
        {"alerts.webhook_backoff_ms", integer(&edge_config::webhook_backoff_ms, 1, 600'000)},
        {"alerts.ca_file", text(&edge_config::webhook_ca_file)},
        {"mqtt.host", text(&edge_config::mqtt_host)},
        {"mqtt.port", integer(&edge_config::mqtt_port, 1, 65535)},
        {"mqtt.username", text(&edge_config::mqtt_username)},
        {"mqtt.password", text(&edge_config::mqtt_password)},
        {"mqtt.prefix", text(&edge_config::mqtt_prefix)},
        {"mqtt.discovery_prefix", text(&edge_config::mqtt_discovery_prefix)},
        {"mqtt.commands", flag(&edge_config::mqtt_commands)},
        {"state.dir",
         [](const toml::node& n, edge_config& c) -> std::string {
             if (!n.is_string() || n.value<std::string>()->empty()) return "must be a non-empty path";
             c.state_dir = *n.value<std::string>();
             return "";
         }},
        {"demo.sim_binary", text(&edge_config::sim_binary)},
        {"demo.sim_args",
         [](const toml::node& n, edge_config& c) -> std::string {
             const auto* a = n.as_array();
             if (!a) return "must be an array of strings";
             c.sim_args.clear();
             for (const auto& e : *a) {
                 if (!e.is_string()) return "must be an array of strings";
                 c.sim_args.push_back(*e.value<std::string>());
             }
             return "";
         }},
    };
    return keys;
}

}  // namespace

config_result parse_config(std::string_view toml_text, edge_config base) {
    toml::table root;
    try {
        root = toml::parse(toml_text);
    } catch (const toml::parse_error& e) {
        std::ostringstream where;
        where << e.source().begin;
        return {std::nullopt, fmt::format("TOML syntax error at {}: {}", where.str(), e.description())};
    }
    const auto& keys = known_keys();
    for (const auto& [section, node] : root) {
        const auto* table = node.as_table();
        if (!table) return {std::nullopt, fmt::format("'{}' must be a section ([{}])", section.str(), section.str())};
        for (const auto& [key, value] : *table) {
            const std::string name = fmt::format("{}.{}", section.str(), key.str());
            auto it = keys.find(name);
            if (it == keys.end()) return {std::nullopt, fmt::format("unknown key '{}'", name)};
            if (auto why = it->second(value, base); !why.empty())
                return {std::nullopt, fmt::format("'{}' {}", name, why)};
        }
    }
    if (base.tls_cert.empty() != base.tls_key.empty())
        return {std::nullopt, "'http.tls_cert' and 'http.tls_key' go together: set both or neither"};
    return {std::move(base), {}};
}

config_result load_config(const std::filesystem::path& file, edge_config base) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return {std::nullopt, fmt::format("cannot read {}", file.string())};
    std::ostringstream text;
    text << in.rdbuf();
    auto result = parse_config(text.str(), std::move(base));
    if (!result.config) result.error = fmt::format("{}: {}", file.string(), result.error);
    return result;
}

edge_config demo_config(const std::filesystem::path& state_dir) {
    edge_config c;
    c.demo = true;
    c.http_port = 0;
    c.state_dir = state_dir;
    c.camera_kind = "test";
    return c;
}

}  // namespace printgate::edge
