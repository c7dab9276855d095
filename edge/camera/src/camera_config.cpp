#include <printgate/camera/camera_config.hpp>

namespace printgate::camera {

std::optional<source_kind> parse_source_kind(std::string_view text) {
    if (text == "test") return source_kind::test_pattern;
    if (text == "http") return source_kind::http;
    if (text == "v4l2") return source_kind::v4l2;
    return std::nullopt;
}

std::string_view to_string(source_kind kind) {
    switch (kind) {
        case source_kind::test_pattern:
            return "test";
        case source_kind::http:
            return "http";
        case source_kind::v4l2:
            return "v4l2";
    }
    return "test";
}

std::string validate(const camera_config& c) {
    if (c.name.empty() || c.name.size() > 32) return "name: 1 to 32 characters";
    for (char ch : c.name) {
        bool ok =
            (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
        if (!ok) return "name: only letters, digits, '_' and '-'";
    }
    if (c.width < 16 || c.width > 4096) return "width: 16 to 4096";
    if (c.height < 16 || c.height > 4096) return "height: 16 to 4096";
    if (c.fps < 1 || c.fps > 120) return "fps: 1 to 120";
    if (c.jpeg_quality < 1 || c.jpeg_quality > 100) return "jpeg_quality: 1 to 100";
    if (c.kind == source_kind::http && c.url.rfind("http://", 0) != 0)
        return "url: an http:// address is needed for an http camera";
    if (c.kind == source_kind::v4l2 && c.device.rfind("/dev/", 0) != 0)
        return "device: a /dev/ path is needed for a v4l2 camera (best /dev/v4l/by-id/...)";
    return {};
}

}  // namespace printgate::camera
