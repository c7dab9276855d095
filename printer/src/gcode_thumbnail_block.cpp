#include "gcode_thumbnail_block.hpp"

#include <fmt/format.h>

#include <array>

#include "gcode_text.hpp"

namespace printgate::printer {
namespace {

constexpr std::uint8_t b64_invalid = 0xff;
constexpr std::uint8_t b64_pad = 0xfe;
constexpr std::uint8_t b64_blank = 0xfd;

constexpr std::array<std::uint8_t, 256> make_base64_table() {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t) v = b64_invalid;
    constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (std::size_t i = 0; i < alphabet.size(); ++i)
        t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
    t['='] = b64_pad;
    t[' '] = b64_blank;
    t['\t'] = b64_blank;
    t['\r'] = b64_blank;
    return t;
}
constexpr auto base64_table = make_base64_table();

enum class marker { none, begin, end };

// "thumbnail begin", "thumbnail_JPG end", ...: data lines never hold a space or '_', so a
// line of base64 cannot be mistaken for one of these.
marker classify(std::string_view comment, thumbnail_format& format, std::string_view& rest) {
    constexpr std::string_view prefix = "thumbnail";
    if (!comment.starts_with(prefix)) return marker::none;
    comment.remove_prefix(prefix.size());
    format = thumbnail_format::png;
    if (comment.starts_with("_PNG")) {
        comment.remove_prefix(4);
    } else if (comment.starts_with("_JPG")) {
        format = thumbnail_format::jpg;
        comment.remove_prefix(4);
    } else if (comment.starts_with("_QOI")) {
        format = thumbnail_format::qoi;
        comment.remove_prefix(4);
    }
    if (comment.empty() || !gcode_text::is_space(comment.front())) return marker::none;
    comment = gcode_text::trim(comment);
    if (comment.starts_with("begin")) {
        rest = comment.substr(5);
        return marker::begin;
    }
    if (comment == "end") return marker::end;
    return marker::none;
}

std::uint32_t read_be32(std::span<const std::uint8_t> d, std::size_t at) {
    return (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) |
           (std::uint32_t{d[at + 2]} << 8) | std::uint32_t{d[at + 3]};
}

bool jpeg_size(std::span<const std::uint8_t> d, std::uint32_t& width, std::uint32_t& height) {
    if (d.size() < 4 || d[0] != 0xff || d[1] != 0xd8) return false;
    std::size_t at = 2;
    while (at + 4 <= d.size()) {
        if (d[at] != 0xff) return false;
        std::uint8_t m = d[at + 1];
        if (m == 0xff) {  // fill byte
            ++at;
            continue;
        }
        if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {  // markers without a length
            at += 2;
            continue;
        }
        if (m == 0xd9 || m == 0xda) return false;  // end of image / scan before any frame header
        std::size_t length = (std::size_t{d[at + 2]} << 8) | d[at + 3];
        if (length < 2) return false;
        bool frame = m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
        if (frame) {
            if (length < 7 || at + 2 + 7 > d.size()) return false;
            height = (std::uint32_t{d[at + 5]} << 8) | d[at + 6];
            width = (std::uint32_t{d[at + 7]} << 8) | d[at + 8];
            return width != 0 && height != 0;
        }
        at += 2 + length;
    }
    return false;
}

}  // namespace

std::string_view to_string(thumbnail_format format) {
    switch (format) {
    case thumbnail_format::png: return "PNG";
    case thumbnail_format::jpg: return "JPG";
    case thumbnail_format::qoi: return "QOI";
    }
    return "?";
}

bool read_image_size(thumbnail_format format, std::span<const std::uint8_t> d,
                     std::uint32_t& width, std::uint32_t& height) {
    switch (format) {
    case thumbnail_format::png: {
        static constexpr std::uint8_t signature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        if (d.size() < 24) return false;
        for (std::size_t i = 0; i < sizeof(signature); ++i)
            if (d[i] != signature[i]) return false;
        if (d[12] != 'I' || d[13] != 'H' || d[14] != 'D' || d[15] != 'R') return false;
        width = read_be32(d, 16);
        height = read_be32(d, 20);
        return width != 0 && height != 0;
    }
    case thumbnail_format::qoi:
        if (d.size() < 14 || d[0] != 'q' || d[1] != 'o' || d[2] != 'i' || d[3] != 'f') return false;
        width = read_be32(d, 4);
        height = read_be32(d, 8);
        return width != 0 && height != 0;
    case thumbnail_format::jpg: return jpeg_size(d, width, height);
    }
    return false;
}

gcode_thumbnail_block::gcode_thumbnail_block(const gcode_analysis_limits& limits, gcode_analysis& out)
    : limits_(limits), out_(out) {}

bool gcode_thumbnail_block::begin(std::string_view comment) {
    thumbnail_format format;
    std::string_view rest;
    if (classify(comment, format, rest) != marker::begin) return false;

    active_ = true;
    skipping_ = false;
    ++block_number_;
    format_ = format;
    declared_width_ = declared_height_ = 0;
    declared_length_ = base64_chars_ = 0;
    bits_ = 0;
    bit_count_ = 0;
    padded_ = false;
    data_.clear();

    // "300x300 12345": both optional in the wild, but when present they must make sense.
    rest = gcode_text::trim(rest);
    if (!rest.empty()) {
        auto space = rest.find(' ');
        std::string_view size = rest.substr(0, space);
        std::string_view length = space == std::string_view::npos ? "" : rest.substr(space + 1);
        auto x = size.find('x');
        std::uint64_t w = 0, h = 0, n = 0;
        if (x == std::string_view::npos || !gcode_text::parse_unsigned(size.substr(0, x), w) ||
            !gcode_text::parse_unsigned(size.substr(x + 1), h) || w == 0 || h == 0 ||
            w > 0xffff || h > 0xffff || (!length.empty() && !gcode_text::parse_unsigned(length, n))) {
            fail("unreadable block header");
            return true;
        }
        declared_width_ = static_cast<std::uint32_t>(w);
        declared_height_ = static_cast<std::uint32_t>(h);
        declared_length_ = n;
    }
    if (out_.thumbnails.size() >= limits_.max_thumbnails) {
        fail(fmt::format("more than {} thumbnails, skipped", limits_.max_thumbnails));
    } else if (declared_length_ / 4 * 3 > limits_.max_thumbnail_bytes) {
        fail(fmt::format("larger than {} bytes, skipped", limits_.max_thumbnail_bytes));
    } else {
        data_.reserve(static_cast<std::size_t>(declared_length_ / 4 * 3));
    }
    return true;
}

void gcode_thumbnail_block::line(std::string_view comment) {
    thumbnail_format format;
    std::string_view rest;
    switch (classify(comment, format, rest)) {
    case marker::end: end(); return;
    case marker::begin:
        interrupt("the next thumbnail");
        begin(comment);
        return;
    case marker::none: break;
    }
    if (!skipping_) decode(comment);
}

void gcode_thumbnail_block::decode(std::string_view text) {
    for (char c : text) {
        std::uint8_t v = base64_table[static_cast<unsigned char>(c)];
        if (v == b64_blank) continue;
        ++base64_chars_;
        if (v == b64_pad) {
            padded_ = true;
            continue;
        }
        if (v == b64_invalid || padded_) {
            fail(v == b64_invalid ? "invalid base64 character" : "data after base64 padding");
            return;
        }
        bits_ = (bits_ << 6) | v;
        bit_count_ += 6;
        if (bit_count_ >= 8) {
            bit_count_ -= 8;
            if (data_.size() >= limits_.max_thumbnail_bytes) {
                fail(fmt::format("larger than {} bytes, skipped", limits_.max_thumbnail_bytes));
                return;
            }
            data_.push_back(static_cast<std::uint8_t>(bits_ >> bit_count_));
            bits_ &= (1u << bit_count_) - 1;
        }
    }
}

void gcode_thumbnail_block::end() {
    active_ = false;
    if (skipping_) return;
    if (base64_chars_ % 4 != 0) return fail("truncated base64");
    if (declared_length_ != 0 && base64_chars_ != declared_length_)
        return fail(fmt::format("{} base64 characters where the header says {}", base64_chars_,
                                declared_length_));
    gcode_thumbnail t;
    t.format = format_;
    if (!read_image_size(format_, data_, t.width, t.height))
        return fail(fmt::format("not a {} image", to_string(format_)));
    if (declared_width_ != 0 && (t.width != declared_width_ || t.height != declared_height_))
        return fail(fmt::format("image is {}x{}", t.width, t.height));
    t.data = std::move(data_);
    data_ = {};
    out_.thumbnails.push_back(std::move(t));
}

void gcode_thumbnail_block::interrupt(std::string_view where) {
    if (!active_) return;
    if (!skipping_) fail(fmt::format("not terminated before {}", where));
    active_ = false;
}

void gcode_thumbnail_block::fail(std::string_view why) {
    gcode_text::add_problem(out_, limits_.max_problems,
                            fmt::format("thumbnail {} ({} {}x{}): {}", block_number_,
                                        to_string(format_), declared_width_, declared_height_, why));
    skipping_ = true;
    data_.clear();
    data_.shrink_to_fit();
}

}  // namespace printgate::printer
