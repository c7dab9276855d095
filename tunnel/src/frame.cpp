#include "printgate/tunnel/frame.hpp"

#include <string>

namespace printgate::tunnel {

namespace {

class frame_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tunnel.frame"; }
    std::string message(int ev) const override {
        return std::string(to_string(static_cast<frame_error>(ev)));
    }
};

std::uint16_t load16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::uint32_t load32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
           (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

void store32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

const boost::system::error_category& frame_category() {
    static const frame_category_impl instance;
    return instance;
}

error_code make_error_code(frame_error e) {
    return {static_cast<int>(e), frame_category()};
}

std::string_view to_string(frame_error e) {
    switch (e) {
        case frame_error::ok: return "ok";
        case frame_error::truncated: return "truncated frame header";
        case frame_error::bad_version: return "unknown protocol version";
        case frame_error::bad_type: return "unknown frame type";
        case frame_error::bad_flags: return "undefined flag bits";
        case frame_error::oversized_data: return "DATA frame longer than the limit";
        case frame_error::stream_zero: return "DATA or WINDOW_UPDATE on stream 0";
        case frame_error::session_frame_on_stream: return "PING or GO_AWAY on a stream";
        case frame_error::bad_go_away_code: return "unknown GO_AWAY code";
    }
    return "unknown frame error";
}

std::string_view to_string(frame_type t) {
    switch (t) {
        case frame_type::data: return "DATA";
        case frame_type::window_update: return "WINDOW_UPDATE";
        case frame_type::ping: return "PING";
        case frame_type::go_away: return "GO_AWAY";
    }
    return "?";
}

void encode(const frame_header& h, std::span<std::uint8_t, frame_header_size> out) {
    out[0] = h.version;
    out[1] = static_cast<std::uint8_t>(h.type);
    out[2] = static_cast<std::uint8_t>(h.flags >> 8);
    out[3] = static_cast<std::uint8_t>(h.flags);
    store32(out.data() + 4, h.stream_id);
    store32(out.data() + 8, h.length);
}

std::array<std::uint8_t, frame_header_size> encode(const frame_header& h) {
    std::array<std::uint8_t, frame_header_size> out{};
    encode(h, std::span<std::uint8_t, frame_header_size>(out));
    return out;
}

decode_result decode(std::span<const std::uint8_t> bytes, const decode_limits& limits) {
    decode_result r;
    if (bytes.size() < frame_header_size) {
        r.error = frame_error::truncated;
        return r;
    }
    const std::uint8_t* p = bytes.data();
    r.header.version = p[0];
    r.header.flags = load16(p + 2);
    r.header.stream_id = load32(p + 4);
    r.header.length = load32(p + 8);
    if (p[0] != protocol_version) {
        r.error = frame_error::bad_version;
        return r;
    }
    if (p[1] > static_cast<std::uint8_t>(frame_type::go_away)) {
        r.error = frame_error::bad_type;
        return r;
    }
    r.header.type = static_cast<frame_type>(p[1]);
    if ((r.header.flags & ~flag::all) != 0) {
        r.error = frame_error::bad_flags;
        return r;
    }
    switch (r.header.type) {
        case frame_type::data:
            if (r.header.stream_id == 0) r.error = frame_error::stream_zero;
            else if (r.header.length > limits.max_data_length) r.error = frame_error::oversized_data;
            break;
        case frame_type::window_update:
            if (r.header.stream_id == 0) r.error = frame_error::stream_zero;
            break;
        case frame_type::ping:
            if (r.header.stream_id != 0) r.error = frame_error::session_frame_on_stream;
            break;
        case frame_type::go_away:
            if (r.header.stream_id != 0) r.error = frame_error::session_frame_on_stream;
            else if (r.header.length > static_cast<std::uint32_t>(go_away_code::internal_error))
                r.error = frame_error::bad_go_away_code;
            break;
    }
    return r;
}

}  // namespace printgate::tunnel
