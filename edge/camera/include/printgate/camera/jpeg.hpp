#pragma once
// JPEG helpers around TurboJPEG and the few marker-level edits a camera pipeline needs.
// Every function takes untrusted bytes and reports failure as an empty result.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace printgate::camera {

using bytes = std::vector<std::uint8_t>;

struct jpeg_size {
    int width = 0;
    int height = 0;
};

// Width and height from the header; nullopt when TurboJPEG cannot read it.
[[nodiscard]] std::optional<jpeg_size> jpeg_dimensions(std::span<const std::uint8_t> jpeg);

// Packed RGB (3 bytes per pixel, rows top-down) to JPEG, 4:2:0. Empty on failure.
[[nodiscard]] bytes encode_rgb(std::span<const std::uint8_t> rgb, int width, int height, int quality);
// Planar YCbCr 4:2:0 (JFIF full range) to JPEG, for a source that draws in YCbCr: no colour
// conversion or downsampling left to do. `y` is width x height, `cb` and `cr` are
// (width + 1) / 2 x (height + 1) / 2, rows top-down without padding. Empty on failure.
struct yuv420_planes {
    std::span<const std::uint8_t> y;
    std::span<const std::uint8_t> cb;
    std::span<const std::uint8_t> cr;
};
[[nodiscard]] bytes encode_yuv420(const yuv420_planes& planes, int width, int height, int quality);
// JPEG to packed RGB at 1/denominator size (1, 2, 4 or 8: TurboJPEG's DCT scaling, so a
// thumbnail costs a fraction of a full decode). nullopt on failure.
struct rgb_image {
    int width = 0;
    int height = 0;
    bytes pixels;
};
[[nodiscard]] std::optional<rgb_image> decode_rgb(std::span<const std::uint8_t> jpeg, int denominator = 1);
// A smaller JPEG: DCT-scaled decode at 1/denominator, re-encoded. Empty on failure or for a
// denominator other than 2, 4, 8.
[[nodiscard]] bytes scale_jpeg(std::span<const std::uint8_t> jpeg, int denominator, int quality = 80);

// Many UVC cameras send MJPEG without Huffman tables (DHT), relying on the standard ones of
// ITU T.81 Annex K; browsers then refuse the picture. True when a DHT segment precedes the
// first SOS. nullopt when the marker structure up to SOS is broken.
[[nodiscard]] std::optional<bool> has_huffman_tables(std::span<const std::uint8_t> jpeg);
// The picture with the Annex K tables inserted right before SOS when it has none; the bytes
// unchanged when it has them; empty when the marker structure is broken.
[[nodiscard]] bytes with_huffman_tables(std::span<const std::uint8_t> jpeg);
// The DHT segment inserted by with_huffman_tables (marker, length, four tables).
[[nodiscard]] std::span<const std::uint8_t> standard_dht_segment();

}  // namespace printgate::camera
