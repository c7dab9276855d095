#include <turbojpeg.h>

#include <array>
#include <memory>
#include <printgate/camera/jpeg.hpp>

namespace printgate::camera {

namespace {

struct tj_deleter {
    void operator()(void* h) const {
        if (h) tjDestroy(h);
    }
};
using tj_handle = std::unique_ptr<void, tj_deleter>;

// TurboJPEG handles are not thread-safe; one per thread and per direction, made once.
tjhandle compressor() {
    thread_local tj_handle h(tjInitCompress());
    return h.get();
}
tjhandle decompressor() {
    thread_local tj_handle h(tjInitDecompress());
    return h.get();
}

constexpr std::size_t max_jpeg_bytes = 64u << 20;
constexpr int max_dimension = 16384;

bool header(std::span<const std::uint8_t> jpeg, int& w, int& h, int& subsamp) {
    if (jpeg.empty() || jpeg.size() > max_jpeg_bytes) return false;
    tjhandle d = decompressor();
    int colorspace = 0;
    if (!d || tjDecompressHeader3(d, jpeg.data(), static_cast<unsigned long>(jpeg.size()), &w, &h, &subsamp,
                                  &colorspace) != 0) {
        return false;
    }
    return w > 0 && h > 0 && w <= max_dimension && h <= max_dimension;
}

// ITU T.81 Annex K.3, tables K.3 to K.6: code counts per length 1..16, then the values.
constexpr std::array<std::uint8_t, 16> dc_luma_bits{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0};
constexpr std::array<std::uint8_t, 12> dc_values{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
constexpr std::array<std::uint8_t, 16> dc_chroma_bits{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
constexpr std::array<std::uint8_t, 16> ac_luma_bits{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d};
constexpr std::array<std::uint8_t, 162> ac_luma_values{
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71,
    0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72,
    0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37,
    0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
    0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83,
    0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3,
    0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
    0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa};
constexpr std::array<std::uint8_t, 16> ac_chroma_bits{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77};
constexpr std::array<std::uint8_t, 162> ac_chroma_values{
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22,
    0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1,
    0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36,
    0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
    0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
    0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a,
    0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba,
    0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa};

template <std::size_t N>
constexpr std::size_t sum(const std::array<std::uint8_t, N>& a) {
    std::size_t s = 0;
    for (auto v : a) s += v;
    return s;
}
static_assert(sum(dc_luma_bits) == dc_values.size());
static_assert(sum(dc_chroma_bits) == dc_values.size());
static_assert(sum(ac_luma_bits) == ac_luma_values.size());
static_assert(sum(ac_chroma_bits) == ac_chroma_values.size());

bytes build_dht() {
    bytes body;
    auto table = [&](std::uint8_t class_id, const auto& bits, const auto& values) {
        body.push_back(class_id);  // high nibble: 0 DC / 1 AC; low nibble: table 0 / 1
        body.insert(body.end(), bits.begin(), bits.end());
        body.insert(body.end(), values.begin(), values.end());
    };
    // The order libjpeg writes them in: DC0, AC0, DC1, AC1.
    table(0x00, dc_luma_bits, dc_values);
    table(0x10, ac_luma_bits, ac_luma_values);
    table(0x01, dc_chroma_bits, dc_values);
    table(0x11, ac_chroma_bits, ac_chroma_values);
    std::size_t len = body.size() + 2;
    bytes seg{0xff, 0xc4, static_cast<std::uint8_t>(len >> 8), static_cast<std::uint8_t>(len & 0xff)};
    seg.insert(seg.end(), body.begin(), body.end());
    return seg;
}

struct scan_result {
    bool ok = false;
    bool dht = false;
    std::size_t sos = 0;  // offset of the SOS marker
};

// Walks the marker segments from SOI to the first SOS.
scan_result scan_to_sos(std::span<const std::uint8_t> j) {
    scan_result r;
    if (j.size() < 4 || j[0] != 0xff || j[1] != 0xd8) return r;
    std::size_t i = 2;
    while (i + 1 < j.size()) {
        if (j[i] != 0xff) return r;
        std::uint8_t m = j[i + 1];
        if (m == 0xff) {  // fill byte
            ++i;
            continue;
        }
        if (m == 0xda) {
            r.ok = true;
            r.sos = i;
            return r;
        }
        if (m == 0xd8 || m == 0xd9) return r;  // SOI/EOI before any scan
        if (m >= 0xd0 && m <= 0xd7) {          // RSTn: no length
            i += 2;
            continue;
        }
        if (i + 3 >= j.size()) return r;
        std::size_t len = (static_cast<std::size_t>(j[i + 2]) << 8) | j[i + 3];
        if (len < 2 || i + 2 + len > j.size()) return r;
        if (m == 0xc4) r.dht = true;
        i += 2 + len;
    }
    return r;
}

int clamp_quality(int quality) {
    return quality < 1 ? 1 : (quality > 100 ? 100 : quality);
}

// The JPEG TurboJPEG wrote into its own buffer, copied out; the buffer freed either way.
bytes take_output(int rc, unsigned char* out, unsigned long out_size) {
    bytes result;
    if (rc == 0 && out) result.assign(out, out + out_size);
    tjFree(out);
    return result;
}

}  // namespace

std::optional<jpeg_size> jpeg_dimensions(std::span<const std::uint8_t> jpeg) {
    int w = 0, h = 0, s = 0;
    if (!header(jpeg, w, h, s)) return std::nullopt;
    return jpeg_size{w, h};
}

bytes encode_rgb(std::span<const std::uint8_t> rgb, int width, int height, int quality) {
    if (width <= 0 || height <= 0 || width > max_dimension || height > max_dimension) return {};
    if (rgb.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3) return {};
    tjhandle c = compressor();
    if (!c) return {};
    unsigned char* out = nullptr;
    unsigned long out_size = 0;
    int rc = tjCompress2(c, rgb.data(), width, 0, height, TJPF_RGB, &out, &out_size, TJSAMP_420,
                         clamp_quality(quality), TJFLAG_FASTDCT);
    return take_output(rc, out, out_size);
}

bytes encode_yuv420(const yuv420_planes& planes, int width, int height, int quality) {
    if (width <= 0 || height <= 0 || width > max_dimension || height > max_dimension) return {};
    const auto luma = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    const auto chroma =
        static_cast<std::size_t>((width + 1) / 2) * static_cast<std::size_t>((height + 1) / 2);
    if (planes.y.size() != luma || planes.cb.size() != chroma || planes.cr.size() != chroma) return {};
    tjhandle c = compressor();
    if (!c) return {};
    std::array<const unsigned char*, 3> src{planes.y.data(), planes.cb.data(), planes.cr.data()};
    // Null strides: each plane's rows follow each other without padding.
    unsigned char* out = nullptr;
    unsigned long out_size = 0;
    int rc = tjCompressFromYUVPlanes(c, src.data(), width, nullptr, height, TJSAMP_420, &out, &out_size,
                                     clamp_quality(quality), TJFLAG_FASTDCT);
    return take_output(rc, out, out_size);
}

std::optional<rgb_image> decode_rgb(std::span<const std::uint8_t> jpeg, int denominator) {
    if (denominator != 1 && denominator != 2 && denominator != 4 && denominator != 8) return std::nullopt;
    int w = 0, h = 0, s = 0;
    if (!header(jpeg, w, h, s)) return std::nullopt;
    tjscalingfactor f{1, denominator};
    rgb_image img;
    img.width = TJSCALED(w, f);
    img.height = TJSCALED(h, f);
    img.pixels.resize(static_cast<std::size_t>(img.width) * static_cast<std::size_t>(img.height) * 3);
    if (tjDecompress2(decompressor(), jpeg.data(), static_cast<unsigned long>(jpeg.size()), img.pixels.data(),
                      img.width, 0, img.height, TJPF_RGB, TJFLAG_FASTDCT) != 0) {
        return std::nullopt;
    }
    return img;
}

bytes scale_jpeg(std::span<const std::uint8_t> jpeg, int denominator, int quality) {
    if (denominator != 2 && denominator != 4 && denominator != 8) return {};
    auto img = decode_rgb(jpeg, denominator);
    if (!img) return {};
    return encode_rgb(img->pixels, img->width, img->height, quality);
}

std::span<const std::uint8_t> standard_dht_segment() {
    static const bytes seg = build_dht();
    return seg;
}

std::optional<bool> has_huffman_tables(std::span<const std::uint8_t> jpeg) {
    auto r = scan_to_sos(jpeg);
    if (!r.ok) return std::nullopt;
    return r.dht;
}

bytes with_huffman_tables(std::span<const std::uint8_t> jpeg) {
    auto r = scan_to_sos(jpeg);
    if (!r.ok) return {};
    if (r.dht) return bytes(jpeg.begin(), jpeg.end());
    auto dht = standard_dht_segment();
    bytes out;
    out.reserve(jpeg.size() + dht.size());
    out.insert(out.end(), jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(r.sos));
    out.insert(out.end(), dht.begin(), dht.end());
    out.insert(out.end(), jpeg.begin() + static_cast<std::ptrdiff_t>(r.sos), jpeg.end());
    return out;
}

}  // namespace printgate::camera
