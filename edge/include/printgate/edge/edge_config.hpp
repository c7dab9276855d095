#pragma once
// The edge's configuration (/etc/printgate/edge.toml). Every key and its default is listed
// in edge/README.md; a key this file does not know, or a value of the wrong type or out of
// range, is an error naming it (a typo must not silently fall back to a default).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace printgate::edge {

struct printer_profile {
    std::string name = "Generic Marlin printer";
    double volume_x = 220, volume_y = 220, volume_z = 250;  // mm
    bool heated_bed = true;
    int extruders = 1;
    double max_hotend_temp = 285;  // C
    double max_bed_temp = 120;     // C
};

struct edge_config {
    // [http]
    std::string http_address = "127.0.0.1";  // loopback only unless the LAN listener is on
    std::uint16_t http_port = 8080;           // 0: the OS chooses
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_body_bytes = 64 * 1024;   // every body except uploads
    std::size_t websocket_queue = 64;         // messages per client before dropping
    unsigned idle_timeout_ms = 60'000;        // a connection silent this long between requests is closed
    // The LAN rules (API key or a signed-in account, pages under /lan/) on any address; they
    // apply anyway when http_address is not loopback. Tests use it on 127.0.0.1.
    bool lan = false;
    // The LAN listener speaks HTTPS: with this certificate chain and key (PEM files), or when
    // both are empty with a certificate made once into STATE/lan-tls.pem and lan-tls.key (0600).
    std::string tls_cert;
    std::string tls_key;

    // [printer]
    std::string printer_id = "printer";  // names this printer in pushes and replies
    std::string printer_port;  // device, usb:VID:PID[:SERIAL], tcp://host:port; "" = none
    unsigned baud = 0;         // 0 = autodetect
    bool auto_connect = true;
    std::string flow = "windowed";  // or "one-line"
    std::size_t rx_buffer = 128;

    // [profile]
    printer_profile profile;

    // [files]
    std::uint64_t max_upload_bytes = 512ull * 1024 * 1024;

    // [download] (download_gcode; the size cap is files.max_upload_bytes)
    bool download_allow_http = false;      // plain http:// URLs
    bool download_allow_internal = false;  // loopback, private and link-local destinations
    unsigned download_timeout_ms = 300'000;
    std::string download_ca_file;          // extra trusted CA certificates (PEM), besides the system's

    // [history]
    unsigned checkpoint_interval_ms = 1000;

    // [camera] (one camera; --demo: the test pattern)
    std::string camera_kind;  // "" = none, "test", "http", "v4l2"
    std::string camera_url;     // http: an MJPEG stream URL
    std::string camera_device;  // v4l2: /dev/v4l/by-id/... or /dev/videoN
    int camera_width = 640, camera_height = 480, camera_fps = 15;
    int camera_jpeg_quality = 80;        // test pattern's encoder (camera JPEG is never re-encoded)
    int camera_idle_linger_ms = 10'000;  // source kept open after the last viewer
    bool camera_timelapse = true;        // frames on layer changes, STATE_DIR/timelapse
    int camera_timelapse_interval_ms = 0;  // also one frame per interval; 0: layer changes only

    // [alerts]
    std::vector<std::string> webhooks;  // http(s)://host[:port]/path, POSTed JSON for every alert
    int webhook_attempts = 5;
    unsigned webhook_backoff_ms = 1000;  // doubled after each failed attempt
    std::string webhook_ca_file;  // extra trusted CAs (PEM) for https webhooks, besides the system's

    // [mqtt]
    std::string mqtt_host;  // "" = off
    std::uint16_t mqtt_port = 1883;
    std::string mqtt_username, mqtt_password;
    std::string mqtt_prefix = "printgate";
    std::string mqtt_discovery_prefix = "homeassistant";
    // Commands on PREFIX/ID/command, replies on PREFIX/ID/reply. Off by default: whoever may
    // publish on the broker could then drive the printer.
    bool mqtt_commands = false;

    // [api]
    std::string api_key;  // "": generated once into STATE_DIR/api_key (0600)

    // [state]
    std::filesystem::path state_dir = "/var/lib/printgate";

    // [demo]
    std::string sim_binary = "printgate-sim";
    std::vector<std::string> sim_args;  // extra printgate-sim options (tests: faster homing)
    bool demo = false;
};

struct config_result {
    std::optional<edge_config> config;
    std::string error;  // names the key or the file
};

// Parses TOML text; `base` supplies the defaults (demo or production).
config_result parse_config(std::string_view toml_text, edge_config base = {});
config_result load_config(const std::filesystem::path& file, edge_config base = {});

// --demo: a simulated printer, HTTP on an OS-chosen loopback port, state in `state_dir`.
edge_config demo_config(const std::filesystem::path& state_dir);

}  // namespace printgate::edge
