// TurboJPEG helpers: the test pattern decodes, DCT-scaled snapshots have the right size, and
// the Huffman-table fix for MJPEG cameras that omit DHT (ITU T.81 Annex K tables).
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <printgate/camera/jpeg.hpp>
#include <printgate/camera/test_pattern_source.hpp>

namespace {

using namespace printgate::camera;

bytes pattern(std::uint64_t n, int w = 320, int h = 240) {
    return render_test_pattern(n, std::chrono::system_clock::time_point{} + std::chrono::hours(12), w, h, 85);
}

// The picture with every DHT segment before the first SOS removed, as a UVC camera sends it.
bytes strip_dht(const bytes& j, bytes* tables = nullptr) {
    bytes out{j[0], j[1]};
    std::size_t i = 2;
    while (i + 3 < j.size() && j[i] == 0xff && j[i + 1] != 0xda) {
        std::size_t len = (static_cast<std::size_t>(j[i + 2]) << 8) | j[i + 3];
        if (j[i + 1] == 0xc4) {
            if (tables)
                tables->insert(tables->end(), j.begin() + static_cast<std::ptrdiff_t>(i + 4),
                               j.begin() + static_cast<std::ptrdiff_t>(i + 2 + len));
        } else {
            out.insert(out.end(), j.begin() + static_cast<std::ptrdiff_t>(i),
                       j.begin() + static_cast<std::ptrdiff_t>(i + 2 + len));
        }
        i += 2 + len;
    }
    out.insert(out.end(), j.begin() + static_cast<std::ptrdiff_t>(i), j.end());
    return out;
}

TEST(test_pattern, decodes_with_turbojpeg_at_the_configured_size) {
    auto j = pattern(1, 640, 480);
    ASSERT_FALSE(j.empty());
    auto size = jpeg_dimensions(j);
    ASSERT_TRUE(size);
    EXPECT_EQ(size->width, 640);
    EXPECT_EQ(size->height, 480);
    auto img = decode_rgb(j);
    ASSERT_TRUE(img);
    EXPECT_EQ(img->pixels.size(), 640u * 480u * 3u);
}

TEST(test_pattern, moves_and_draws_the_counter) {
    auto a = decode_rgb(pattern(1));
    auto b = decode_rgb(pattern(2));
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->pixels, b->pixels);
    // The counter text sits in the black band at the bottom: some bright pixels there.
    int bright = 0;
    for (int y = 240 - 8; y < 240; ++y)
        for (int x = 0; x < 100; ++x)
            if (a->pixels[(static_cast<std::size_t>(y) * 320 + static_cast<std::size_t>(x)) * 3] > 200) ++bright;
    EXPECT_GT(bright, 10);
    EXPECT_TRUE(render_test_pattern(1, {}, 8, 8, 80).empty());
}

// The pattern is drawn in YCbCr: decoded back to RGB, each bar has its colour (white, yellow,
// cyan, green, magenta, red, blue, near black from the left at frame 0), darker further down,
// and the band under the bars is black.
TEST(test_pattern, bars_decode_to_their_colours) {
    auto img = decode_rgb(pattern(0, 640, 480));
    ASSERT_TRUE(img);
    auto at = [&](int x, int y) {
        const auto i = (static_cast<std::size_t>(y) * 640 + static_cast<std::size_t>(x)) * 3;
        return std::array<int, 3>{img->pixels[i], img->pixels[i + 1], img->pixels[i + 2]};
    };
    auto near = [](std::array<int, 3> got, std::array<int, 3> want) {
        for (std::size_t k = 0; k < 3; ++k)
            if (std::abs(got[k] - want[k]) > 12) return false;
        return true;
    };
    // Row 120 has shade 255 - 120 * 128 / 480 = 223; the bouncing square starts in the top-left corner.
    const int row = 120;
    const int s = 223;
    const std::array<std::array<int, 3>, 8> bars{{{s, s, s}, {s, s, 0}, {0, s, s}, {0, s, 0},
                                                  {s, 0, s}, {s, 0, 0}, {0, 0, s}, {14, 14, 14}}};
    for (std::size_t b = 0; b < bars.size(); ++b) {
        const int x = static_cast<int>(b) * 80 + 40;
        EXPECT_TRUE(near(at(x, row), bars[b])) << "bar " << b << ": " << at(x, row)[0] << "," << at(x, row)[1]
                                               << "," << at(x, row)[2];
    }
    // Darker at the bottom: the white bar at row 400 (shade 149).
    EXPECT_TRUE(near(at(40, 400), {149, 149, 149}));
    // The square (20, 20, 20) at frame 0 covers the top-left 80 x 80 pixels.
    EXPECT_TRUE(near(at(40, 40), {20, 20, 20}));
    // The text band: black where no glyph is drawn.
    EXPECT_TRUE(near(at(600, 476), {0, 0, 0}));
}

TEST(jpeg, dct_scaling_halves_quarters_and_eighths) {
    auto j = pattern(3, 640, 480);
    for (int d : {2, 4, 8}) {
        auto s = scale_jpeg(j, d);
        ASSERT_FALSE(s.empty()) << d;
        auto size = jpeg_dimensions(s);
        ASSERT_TRUE(size);
        EXPECT_EQ(size->width, 640 / d);
        EXPECT_EQ(size->height, 480 / d);
        EXPECT_LT(s.size(), j.size());
    }
    EXPECT_TRUE(scale_jpeg(j, 3).empty());
    EXPECT_TRUE(scale_jpeg(bytes{0xff, 0xd8, 0x00}, 2).empty());
}

TEST(jpeg_huffman, inserts_the_annex_k_tables_when_a_camera_omits_them) {
    auto original = pattern(4);
    bytes original_tables;
    auto stripped = strip_dht(original, &original_tables);
    ASSERT_LT(stripped.size(), original.size());
    EXPECT_EQ(has_huffman_tables(original), true);
    EXPECT_EQ(has_huffman_tables(stripped), false);

    auto fixed = with_huffman_tables(stripped);
    ASSERT_FALSE(fixed.empty());
    EXPECT_EQ(has_huffman_tables(fixed), true);
    // libjpeg-turbo writes the Annex K tables too (no optimized coding): the segment we insert
    // carries exactly the tables the encoder used, in the same order.
    auto seg = standard_dht_segment();
    EXPECT_EQ(bytes(seg.begin() + 4, seg.end()), original_tables);
    // ... placed right before SOS.
    auto at = std::search(fixed.begin(), fixed.end(), seg.begin(), seg.end());
    ASSERT_NE(at, fixed.end());
    auto after = at + static_cast<std::ptrdiff_t>(seg.size());
    EXPECT_EQ(after[0], 0xff);
    EXPECT_EQ(after[1], 0xda);
    auto a = decode_rgb(original);
    auto b = decode_rgb(fixed);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->pixels, b->pixels);
}

TEST(jpeg_huffman, leaves_complete_pictures_alone_and_refuses_broken_ones) {
    auto original = pattern(5);
    EXPECT_EQ(with_huffman_tables(original), original);
    EXPECT_TRUE(with_huffman_tables(bytes{}).empty());
    EXPECT_TRUE(with_huffman_tables(bytes{0x89, 0x50, 0x4e, 0x47}).empty());
    bytes truncated(original.begin(), original.begin() + 30);
    EXPECT_TRUE(with_huffman_tables(truncated).empty());
    bytes bad_length = original;
    bad_length[4] = 0xff;  // APP0 length far past the end
    bad_length[5] = 0xff;
    EXPECT_EQ(has_huffman_tables(bad_length), std::nullopt);
}

}  // namespace
