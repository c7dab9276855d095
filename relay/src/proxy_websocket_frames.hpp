#pragma once
// Follows WebSocket frame boundaries in a byte stream without keeping any of it, so that
// the relay can slip a ping between two frames of an otherwise opaque, pumped connection
// (RFC 6455 5.5: control frames may sit between the fragments of a message, not inside a
// frame).
#include <cstddef>
#include <cstdint>
#include <span>

namespace printgate::relay {

class websocket_frame_tracker {
public:
    void consume(std::span<const std::uint8_t> bytes);
    // True when the bytes so far end exactly at the end of a frame (or nothing came yet).
    [[nodiscard]] bool at_boundary() const { return header_have_ == 0 && payload_left_ == 0; }
    [[nodiscard]] std::uint64_t frames() const { return frames_; }

private:
    std::uint8_t header_[14]{};
    std::size_t header_have_ = 0;
    std::size_t header_need_ = 2;
    std::uint64_t payload_left_ = 0;
    std::uint64_t frames_ = 0;
};

// The frame the relay sends to the browser to keep idle connections open: an empty,
// unmasked ping (server to client frames are never masked).
inline constexpr std::uint8_t websocket_ping_frame[2] = {0x89, 0x00};

}  // namespace printgate::relay
