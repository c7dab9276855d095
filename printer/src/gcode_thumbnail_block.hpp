#pragma once
// Embedded previews: `; thumbnail begin WxH LEN` (PNG), `; thumbnail_JPG begin ...`,
// `; thumbnail_QOI begin ...`, then base64 in comment lines, then `; thumbnail end`.
// Decoded on the fly into a buffer bounded by the limits; a malformed block is reported
// and dropped, never half-kept.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "printgate/printer/gcode_analysis.hpp"

namespace printgate::printer {

// Reads width and height from an image file's own header; false if it is not one.
bool read_image_size(thumbnail_format format, std::span<const std::uint8_t> data,
                     std::uint32_t& width, std::uint32_t& height);

class gcode_thumbnail_block {
public:
    // Thumbnails and problems go straight into `out`, which must outlive this.
    gcode_thumbnail_block(const gcode_analysis_limits& limits, gcode_analysis& out);

    bool active() const { return active_; }

    // `comment` is a comment's text after ';' and leading blanks. True when it opens a block.
    bool begin(std::string_view comment);

    // A comment line while active(): data, the end of this block, or the start of another.
    void line(std::string_view comment);

    // The block was cut short by a non-comment line or the end of the file.
    void interrupt(std::string_view where);

private:
    void end();
    void fail(std::string_view why);
    void decode(std::string_view text);

    const gcode_analysis_limits& limits_;
    gcode_analysis& out_;

    bool active_ = false;
    bool skipping_ = false;  // failed or over a limit: wait for the end line, decode nothing
    std::uint64_t block_number_ = 0;
    thumbnail_format format_ = thumbnail_format::png;
    std::uint32_t declared_width_ = 0;
    std::uint32_t declared_height_ = 0;
    std::uint64_t declared_length_ = 0;  // base64 characters, 0 when not stated
    std::uint64_t base64_chars_ = 0;
    std::uint32_t bits_ = 0;  // pending base64 sextets
    int bit_count_ = 0;
    bool padded_ = false;
    std::vector<std::uint8_t> data_;
};

}  // namespace printgate::printer
