#include <array>
#include <vector>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <printgate/camera/test_pattern_source.hpp>
#include <string_view>

namespace printgate::camera {

namespace {

// 5x7 glyphs, one byte per row, bit 4 = leftmost column.
struct glyph {
    char c;
    std::array<std::uint8_t, 7> rows;
};
constexpr std::array<glyph, 15> font{{
    {'0', {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}},
    {'1', {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'2', {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}},
    {'3', {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}},
    {'4', {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}},
    {'5', {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}},
    {'6', {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}},
    {'7', {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}},
    {'9', {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}},
    {':', {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}},
    {'#', {0x0a, 0x0a, 0x1f, 0x0a, 0x1f, 0x0a, 0x0a}},
    {'-', {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00}},
    {' ', {0, 0, 0, 0, 0, 0, 0}},
}};

const glyph* find_glyph(char c) {
    for (const auto& g : font)
        if (g.c == c) return &g;
    return nullptr;
}

// A colour in JFIF's full-range YCbCr (ITU-R BT.601 weights, 8-bit fixed point).
struct ycc {
    std::uint8_t y;
    std::uint8_t cb;
    std::uint8_t cr;
};

constexpr std::uint8_t clamp_byte(int v) {
    return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

constexpr ycc to_ycc(int r, int g, int b) {
    // 0.299, 0.587, 0.114; Cb = 128 + 0.5 (B - Y) / (1 - 0.114); Cr = 128 + 0.5 (R - Y) / (1 - 0.299).
    return {clamp_byte((77 * r + 150 * g + 29 * b + 128) >> 8),
            clamp_byte((-43 * r - 85 * g + 128 * b + 32896) >> 8),
            clamp_byte((128 * r - 107 * g - 21 * b + 32896) >> 8)};
}

// The same colour at shade/255 of its brightness: scaling R, G and B scales Y and the
// chroma's distance from grey alike.
constexpr ycc shaded(ycc c, int shade) {
    return {static_cast<std::uint8_t>(c.y * shade / 255),
            static_cast<std::uint8_t>(128 + (c.cb - 128) * shade / 255),
            static_cast<std::uint8_t>(128 + (c.cr - 128) * shade / 255)};
}

}  // namespace

// The picture is drawn straight into the planes the JPEG encoder takes (Y at full size, Cb and
// Cr at half size each way), kept from frame to frame: no RGB buffer, no colour conversion, no
// allocation but the JPEG's.
struct test_pattern_canvas {
    int width = 0;
    int height = 0;
    int chroma_width = 0;
    int chroma_height = 0;
    bytes y;
    bytes cb;
    bytes cr;
    struct run {
        int x0;  // first column
        int x1;  // one past the last
        std::uint8_t bar;
    };
    std::vector<run> runs;

    void resize(int w, int h) {
        if (w == width && h == height) return;
        width = w;
        height = h;
        chroma_width = (w + 1) / 2;
        chroma_height = (h + 1) / 2;
        y.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
        cb.resize(static_cast<std::size_t>(chroma_width) * static_cast<std::size_t>(chroma_height));
        cr.resize(cb.size());
    }

    std::uint8_t* luma_row(int row) { return y.data() + static_cast<std::size_t>(row) * static_cast<std::size_t>(width); }
    std::size_t chroma_at(int row, int col) const {
        return static_cast<std::size_t>(row) * static_cast<std::size_t>(chroma_width) + static_cast<std::size_t>(col);
    }

    // A rectangle clipped to the picture; a chroma sample takes the colour when the
    // rectangle covers any of its four pixels.
    void fill_rect(int x0, int y0, int rw, int rh, ycc c) {
        const int x1 = std::min(width, x0 + rw);
        const int y1 = std::min(height, y0 + rh);
        x0 = std::max(0, x0);
        y0 = std::max(0, y0);
        if (x0 >= x1 || y0 >= y1) return;
        for (int row = y0; row < y1; ++row) std::memset(luma_row(row) + x0, c.y, static_cast<std::size_t>(x1 - x0));
        const int cx1 = (x1 + 1) / 2;
        for (int row = y0 / 2; row < (y1 + 1) / 2; ++row) {
            std::memset(cb.data() + chroma_at(row, x0 / 2), c.cb, static_cast<std::size_t>(cx1 - x0 / 2));
            std::memset(cr.data() + chroma_at(row, x0 / 2), c.cr, static_cast<std::size_t>(cx1 - x0 / 2));
        }
    }

    void draw_text(int x, int top, int scale, std::string_view text) {
        constexpr ycc white = to_ycc(255, 255, 255);
        for (char c : text) {
            if (const glyph* g = find_glyph(c)) {
                for (int row = 0; row < 7; ++row)
                    for (int col = 0; col < 5; ++col)
                        if (g->rows[static_cast<std::size_t>(row)] & (0x10 >> col))
                            fill_rect(x + col * scale, top + row * scale, scale, scale, white);
            }
            x += 6 * scale;
        }
    }

    // Eight colour bars moving left by 4 pixels a frame, darker towards the bottom so the
    // picture is not the same on every row.
    void draw_bars(std::uint64_t counter) {
        constexpr std::array<ycc, 8> bars{to_ycc(255, 255, 255), to_ycc(255, 255, 0), to_ycc(0, 255, 255),
                                          to_ycc(0, 255, 0),     to_ycc(255, 0, 255), to_ycc(255, 0, 0),
                                          to_ycc(0, 0, 255),     to_ycc(16, 16, 16)};
        const int bar_w = std::max(1, width / 8);
        const int shift = static_cast<int>((counter * 4) % static_cast<std::uint64_t>(width));
        // The columns each bar covers this frame, as runs: a row is then a handful of memsets.
        runs.clear();
        for (int x = 0; x < width;) {
            const int bar = ((x + shift) / bar_w) % 8;
            const int end = std::min(width, (((x + shift) / bar_w) + 1) * bar_w - shift);
            runs.push_back({x, end, static_cast<std::uint8_t>(bar)});
            x = end;
        }
        auto shade_of = [&](int row) { return 255 - (row * 128 / height); };
        for (int row = 0; row < height; ++row) {
            const int shade = shade_of(row);
            std::uint8_t* out = luma_row(row);
            for (const auto& r : runs)
                std::memset(out + r.x0, shaded(bars[r.bar], shade).y, static_cast<std::size_t>(r.x1 - r.x0));
        }
        // A chroma sample takes the bar of the left one of its pixels.
        for (int row = 0; row < chroma_height; ++row) {
            const int shade = shade_of(2 * row);
            std::uint8_t* out_cb = cb.data() + chroma_at(row, 0);
            std::uint8_t* out_cr = cr.data() + chroma_at(row, 0);
            for (const auto& r : runs) {
                const int c0 = (r.x0 + 1) / 2;
                const int c1 = (r.x1 + 1) / 2;
                if (c0 >= c1) continue;
                const ycc c = shaded(bars[r.bar], shade);
                std::memset(out_cb + c0, c.cb, static_cast<std::size_t>(c1 - c0));
                std::memset(out_cr + c0, c.cr, static_cast<std::size_t>(c1 - c0));
            }
        }
    }
};

namespace {

bytes render(test_pattern_canvas& canvas, std::uint64_t counter, std::chrono::system_clock::time_point when,
             int width, int height, int quality) {
    if (width < 16 || height < 16 || width > 4096 || height > 4096) return {};
    canvas.resize(width, height);
    canvas.draw_bars(counter);
    // A square bouncing between the edges.
    int side = std::max(8, height / 6);
    int span_x = std::max(1, width - side);
    int span_y = std::max(1, height - side);
    int t = static_cast<int>(counter % 100000);
    int bx = (t * 7) % (2 * span_x);
    int by = (t * 5) % (2 * span_y);
    if (bx >= span_x) bx = 2 * span_x - bx;
    if (by >= span_y) by = 2 * span_y - by;
    canvas.fill_rect(bx, by, side, side, to_ycc(20, 20, 20));

    auto secs = std::chrono::system_clock::to_time_t(when);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char text[64];
    std::snprintf(text, sizeof text, "#%06llu %02d:%02d:%02d.%03d", static_cast<unsigned long long>(counter % 1000000),
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    int scale = std::max(1, width / 220);
    int text_h = 7 * scale;
    canvas.fill_rect(0, height - text_h - 4 * scale, width, text_h + 4 * scale, to_ycc(0, 0, 0));
    canvas.draw_text(2 * scale, height - text_h - 2 * scale, scale, text);
    return encode_yuv420({canvas.y, canvas.cb, canvas.cr}, width, height, quality);
}

}  // namespace

bytes render_test_pattern(std::uint64_t counter, std::chrono::system_clock::time_point when, int width, int height,
                          int quality) {
    test_pattern_canvas canvas;
    return render(canvas, counter, when, width, height, quality);
}

struct test_pattern_source::run_state {
    explicit run_state(const net::any_io_executor& ex) : timer(ex) {}
    net::steady_timer timer;
    bool stopped = false;
};

test_pattern_source::test_pattern_source(std::shared_ptr<frame_hub> hub, const clock& clk, int width, int height,
                                         int fps, int quality)
    : hub_(std::move(hub)),
      clock_(clk),
      width_(width),
      height_(height),
      fps_(fps > 0 ? fps : 1),
      quality_(quality),
      canvas_(std::make_unique<test_pattern_canvas>()) {}

test_pattern_source::~test_pattern_source() {
    stop();
}

void test_pattern_source::start() {
    if (run_) return;
    auto run = std::make_shared<run_state>(hub_->executor());
    run_ = run;
    auto period =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(1.0 / fps_));
    net::co_spawn(
        hub_->executor(),
        [this, run, period]() -> net::awaitable<void> {
            auto due = std::chrono::steady_clock::now();
            while (!run->stopped) {
                frame f;
                f.grab_time = clock_.now();
                f.jpeg = render(*canvas_, ++counter_, std::chrono::system_clock::now(), width_, height_, quality_);
                f.encode_time = clock_.now();
                f.width = width_;
                f.height = height_;
                if (f.jpeg.empty()) {
                    last_error_ = "cannot render the test pattern at this size";
                    run->stopped = true;
                    break;
                }
                hub_->publish(std::move(f));
                due += period;
                auto now = std::chrono::steady_clock::now();
                if (due < now) due = now;  // fell behind (slow machine): do not burst
                run->timer.expires_at(due);
                auto [ec] = co_await run->timer.async_wait(net::as_tuple(net::use_awaitable));
                (void)ec;
            }
        },
        net::detached);
}

void test_pattern_source::stop() {
    if (!run_) return;
    run_->stopped = true;
    run_->timer.cancel();
    run_.reset();
}

}  // namespace printgate::camera
