#pragma once
// Streaming parser for multipart/x-mixed-replace MJPEG (IP cameras, ESP32-CAM, mjpg-streamer,
// µStreamer, ffmpeg's mpjpeg). Bytes arrive in pieces of any size; every complete part is
// handed over once. Hard limits on header and part sizes; a violation is an error value and
// the parser stays failed (the caller reconnects). Never throws on bad input.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace printgate::camera {

struct multipart_limits {
    std::size_t max_header_bytes = 4096;     // one part's header block
    std::size_t max_part_bytes = 8u << 20;   // one part's body
    std::size_t max_preamble_bytes = 65536;  // bytes skipped while looking for a boundary
    std::size_t max_boundary_bytes = 70;     // RFC 2046
};

enum class multipart_error {
    none,
    bad_boundary,       // empty or too long, or the first line does not name one
    preamble_too_long,  // no boundary where one should be
    header_too_large,
    bad_header,  // a header line without ':' or an unreadable Content-Length
    part_too_large,
    ended,  // the closing boundary ("--B--") was seen; nothing more is read
};

[[nodiscard]] std::string_view to_string(multipart_error e);

struct multipart_part {
    std::vector<std::pair<std::string, std::string>> headers;  // names as sent
    std::vector<std::uint8_t> body;
    // Case-insensitive lookup; empty when missing.
    [[nodiscard]] std::string_view header(std::string_view name) const;
};

// The boundary parameter of a Content-Type ("multipart/x-mixed-replace; boundary=\"B\"").
// nullopt when there is none or it is not a valid boundary.
[[nodiscard]] std::optional<std::string> boundary_from_content_type(std::string_view content_type);

class multipart_parser {
public:
    // An empty boundary is learned from the first "--B" line of the body: ffmpeg's
    // `-f mpjpeg` over HTTP announces application/octet-stream without one.
    explicit multipart_parser(std::string boundary, multipart_limits limits = {});

    using part_handler = std::function<void(multipart_part&&)>;
    // Consumes all of `data`, calling `on_part` for each complete part. Returns the first
    // error (and every later call returns it again).
    multipart_error feed(std::span<const std::uint8_t> data, const part_handler& on_part);
    multipart_error feed(std::string_view data, const part_handler& on_part);

    [[nodiscard]] const std::string& boundary() const { return boundary_; }
    [[nodiscard]] multipart_error error() const { return error_; }
    [[nodiscard]] std::uint64_t parts() const { return parts_; }

private:
    enum class state { boundary, headers, body_sized, body_scan };
    multipart_error step(const part_handler& on_part, bool& progress);
    multipart_error fail(multipart_error e) { return error_ = e; }

    std::string boundary_;
    std::string delimiter_;  // "--" + boundary
    multipart_limits limits_;
    state state_ = state::boundary;
    std::string buffer_;  // unconsumed bytes
    std::size_t scan_from_ = 0;
    std::size_t expected_ = 0;
    multipart_part part_;
    multipart_error error_ = multipart_error::none;
    std::uint64_t parts_ = 0;
};

}  // namespace printgate::camera
