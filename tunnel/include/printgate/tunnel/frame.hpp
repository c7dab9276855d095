#pragma once
// The yamux frame header (hashicorp/yamux spec.md): 12 bytes, big endian.
//
//   version (8) | type (8) | flags (16) | stream id (32) | length (32)
//
// `length` is the payload size for DATA, the window delta for WINDOW_UPDATE, the opaque
// value for PING and the reason code for GO_AWAY. Only DATA carries a payload.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>

#include <boost/system/error_code.hpp>

namespace printgate::tunnel {

using boost::system::error_code;

inline constexpr std::size_t frame_header_size = 12;
inline constexpr std::uint8_t protocol_version = 0;
// Every stream starts with this receive window on both sides (the spec's fixed value).
inline constexpr std::uint32_t initial_stream_window = 256 * 1024;

enum class frame_type : std::uint8_t { data = 0, window_update = 1, ping = 2, go_away = 3 };

namespace flag {
inline constexpr std::uint16_t syn = 0x1;
inline constexpr std::uint16_t ack = 0x2;
inline constexpr std::uint16_t fin = 0x4;
inline constexpr std::uint16_t rst = 0x8;
inline constexpr std::uint16_t all = syn | ack | fin | rst;
}  // namespace flag

enum class go_away_code : std::uint32_t { normal = 0, protocol_error = 1, internal_error = 2 };

struct frame_header {
    std::uint8_t version = protocol_version;
    frame_type type = frame_type::data;
    std::uint16_t flags = 0;
    std::uint32_t stream_id = 0;
    std::uint32_t length = 0;

    [[nodiscard]] bool has(std::uint16_t f) const { return (flags & f) != 0; }
    friend bool operator==(const frame_header&, const frame_header&) = default;
};

// Why a header was refused. Each one is a protocol violation that ends the session.
enum class frame_error {
    ok = 0,
    truncated,           // fewer than 12 bytes
    bad_version,         // version is not 0
    bad_type,            // type is not 0..3
    bad_flags,           // a flag bit the spec does not define
    oversized_data,      // DATA length above the configured limit
    stream_zero,         // DATA or WINDOW_UPDATE on stream 0 (there is no session window)
    session_frame_on_stream,  // PING or GO_AWAY with a stream id other than 0
    bad_go_away_code,    // GO_AWAY reason not 0..2
};

const boost::system::error_category& frame_category();
error_code make_error_code(frame_error e);
std::string_view to_string(frame_error e);

struct decode_limits {
    // DATA frames longer than this are refused before anything is allocated or read.
    std::uint32_t max_data_length = 256 * 1024 + 64 * 1024;
};

struct decode_result {
    frame_header header{};
    frame_error error = frame_error::ok;
    [[nodiscard]] bool ok() const { return error == frame_error::ok; }
};

void encode(const frame_header& h, std::span<std::uint8_t, frame_header_size> out);
[[nodiscard]] std::array<std::uint8_t, frame_header_size> encode(const frame_header& h);

// Decodes and validates the first 12 bytes of `bytes` (extra bytes are ignored).
[[nodiscard]] decode_result decode(std::span<const std::uint8_t> bytes,
                                   const decode_limits& limits = {});

std::string_view to_string(frame_type t);

}  // namespace printgate::tunnel

template <>
struct boost::system::is_error_code_enum<printgate::tunnel::frame_error> : std::true_type {};
