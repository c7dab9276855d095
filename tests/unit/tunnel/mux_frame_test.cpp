// The yamux frame header: byte layout (big endian) and every reason the decoder refuses one.
#include "printgate/tunnel/frame.hpp"

#include <array>
#include <cstdint>

#include <gtest/gtest.h>

namespace printgate::tunnel {
namespace {

using bytes = std::array<std::uint8_t, frame_header_size>;

TEST(mux_frame, encodes_big_endian_fields) {
    frame_header h{0, frame_type::window_update, flag::syn | flag::fin, 0x01020304, 0xA0B0C0D0};
    bytes expected{0x00, 0x01, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04, 0xA0, 0xB0, 0xC0, 0xD0};
    EXPECT_EQ(encode(h), expected);
}

TEST(mux_frame, round_trips_every_type) {
    for (auto type : {frame_type::data, frame_type::window_update}) {
        frame_header h{0, type, flag::ack, 7, 1000};
        auto r = decode(encode(h));
        ASSERT_TRUE(r.ok()) << to_string(r.error);
        EXPECT_EQ(r.header, h);
    }
    frame_header ping{0, frame_type::ping, flag::syn, 0, 0xFFFFFFFF};
    EXPECT_EQ(decode(encode(ping)).header, ping);
    frame_header bye{0, frame_type::go_away, 0, 0, 2};
    EXPECT_EQ(decode(encode(bye)).header, bye);
}

TEST(mux_frame, flags_are_sixteen_bits_on_the_wire) {
    bytes b{0, 0, 0x00, 0x08, 0, 0, 0, 1, 0, 0, 0, 0};
    auto r = decode(b);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.header.has(flag::rst));
    b[2] = 0x01;  // bit 8: undefined
    EXPECT_EQ(decode(b).error, frame_error::bad_flags);
}

TEST(mux_frame, refuses_short_input) {
    bytes b{};
    EXPECT_EQ(decode(std::span<const std::uint8_t>(b.data(), 11)).error, frame_error::truncated);
    EXPECT_EQ(decode(std::span<const std::uint8_t>()).error, frame_error::truncated);
}

TEST(mux_frame, refuses_unknown_version) {
    bytes b = encode(frame_header{0, frame_type::data, 0, 1, 0});
    b[0] = 1;
    EXPECT_EQ(decode(b).error, frame_error::bad_version);
}

TEST(mux_frame, refuses_unknown_type) {
    bytes b = encode(frame_header{0, frame_type::data, 0, 1, 0});
    b[1] = 4;
    EXPECT_EQ(decode(b).error, frame_error::bad_type);
    b[1] = 0xFF;
    EXPECT_EQ(decode(b).error, frame_error::bad_type);
}

TEST(mux_frame, refuses_data_longer_than_the_limit) {
    decode_limits limits{1000};
    EXPECT_TRUE(decode(encode(frame_header{0, frame_type::data, 0, 1, 1000}), limits).ok());
    EXPECT_EQ(decode(encode(frame_header{0, frame_type::data, 0, 1, 1001}), limits).error,
              frame_error::oversized_data);
    // The default limit: 256 KiB plus slack, far below what 32 bits could claim.
    EXPECT_EQ(decode(encode(frame_header{0, frame_type::data, 0, 1, 0xFFFFFFFF})).error,
              frame_error::oversized_data);
    // A window delta is not a payload: any value decodes.
    EXPECT_TRUE(decode(encode(frame_header{0, frame_type::window_update, 0, 1, 0xFFFFFFFF})).ok());
}

TEST(mux_frame, refuses_stream_frames_on_stream_zero) {
    EXPECT_EQ(decode(encode(frame_header{0, frame_type::data, 0, 0, 1})).error, frame_error::stream_zero);
    EXPECT_EQ(decode(encode(frame_header{0, frame_type::window_update, flag::syn, 0, 0})).error,
              frame_error::stream_zero);
}

TEST(mux_frame, refuses_session_frames_on_a_stream) {
    EXPECT_EQ(decode(encode(frame_header{0, frame_type::ping, flag::syn, 3, 1})).error,
              frame_error::session_frame_on_stream);
    EXPECT_EQ(decode(encode(frame_header{0, frame_type::go_away, 0, 3, 0})).error,
              frame_error::session_frame_on_stream);
}

TEST(mux_frame, refuses_unknown_go_away_code) {
    EXPECT_TRUE(decode(encode(frame_header{0, frame_type::go_away, 0, 0, 2})).ok());
    EXPECT_EQ(decode(encode(frame_header{0, frame_type::go_away, 0, 0, 3})).error,
              frame_error::bad_go_away_code);
}

TEST(mux_frame, errors_have_names) {
    error_code ec = frame_error::oversized_data;
    EXPECT_EQ(ec.message(), "DATA frame longer than the limit");
    EXPECT_STREQ(ec.category().name(), "tunnel.frame");
}

}  // namespace
}  // namespace printgate::tunnel
