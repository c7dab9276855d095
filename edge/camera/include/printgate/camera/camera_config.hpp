#pragma once
// What the edge's TOML ([[camera]] tables) maps onto. One entry per camera.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace printgate::camera {

enum class source_kind { test_pattern, http, v4l2 };

// "test" | "http" | "v4l2"; nullopt otherwise.
[[nodiscard]] std::optional<source_kind> parse_source_kind(std::string_view text);
[[nodiscard]] std::string_view to_string(source_kind kind);

struct camera_config {
    std::string name = "default";  // [A-Za-z0-9_-], used in ?camera=NAME
    source_kind kind = source_kind::test_pattern;
    std::string url;     // http: http://[user:pass@]host[:port]/path
    std::string device;  // v4l2: /dev/v4l/by-id/... (stable) or /dev/videoN
    int width = 640;     // test pattern and v4l2 (a wish: the driver may adjust)
    int height = 480;
    int fps = 15;
    int jpeg_quality = 80;  // test pattern only: camera JPEG is never re-encoded
    // After the last viewer leaves, the source keeps running this long (a quick snapshot or
    // a page reload does not reopen the device).
    std::chrono::milliseconds idle_linger{std::chrono::seconds(10)};
};

// Empty when valid; otherwise a message naming the bad field.
[[nodiscard]] std::string validate(const camera_config& config);

}  // namespace printgate::camera
