#include <array>
#include <vector>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
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

void fill_rect(bytes& px, int w, int h, int x0, int y0, int rw, int rh, std::uint8_t r, std::uint8_t g,
               std::uint8_t b) {
    for (int y = std::max(0, y0); y < std::min(h, y0 + rh); ++y) {
        for (int x = std::max(0, x0); x < std::min(w, x0 + rw); ++x) {
            auto i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)) * 3;
            px[i] = r;
            px[i + 1] = g;
            px[i + 2] = b;
        }
    }
}

void draw_text(bytes& px, int w, int h, int x, int y, int scale, std::string_view text) {
    for (char c : text) {
        if (const glyph* g = find_glyph(c)) {
            for (int row = 0; row < 7; ++row)
                for (int col = 0; col < 5; ++col)
                    if (g->rows[static_cast<std::size_t>(row)] & (0x10 >> col))
                        fill_rect(px, w, h, x + col * scale, y + row * scale, scale, scale, 255, 255, 255);
        }
        x += 6 * scale;
    }
}

}  // namespace

bytes render_test_pattern(std::uint64_t counter, std::chrono::system_clock::time_point when, int width, int height,
                          int quality) {
    if (width < 16 || height < 16 || width > 4096 || height > 4096) return {};
    bytes px(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3);
    constexpr std::array<std::array<std::uint8_t, 3>, 8> bars{{{255, 255, 255},
                                                               {255, 255, 0},
                                                               {0, 255, 255},
                                                               {0, 255, 0},
                                                               {255, 0, 255},
                                                               {255, 0, 0},
                                                               {0, 0, 255},
                                                               {16, 16, 16}}};
    int bar_w = std::max(1, width / 8);
    int shift = static_cast<int>((counter * 4) % static_cast<std::uint64_t>(width));
    // Which bar each column shows, once per frame, and each row's eight shaded colours, once
    // per row: the inner loop only copies bytes (it runs 15 times a second per camera).
    std::vector<std::uint8_t> column_bar(static_cast<std::size_t>(width));
    for (int x = 0; x < width; ++x) column_bar[static_cast<std::size_t>(x)] = static_cast<std::uint8_t>(((x + shift) / bar_w) % 8);
    for (int y = 0; y < height; ++y) {
        // Darker towards the bottom so the picture is not the same on every row.
        const int shade = 255 - (y * 128 / height);
        std::array<std::array<std::uint8_t, 3>, 8> shaded{};
        for (std::size_t b = 0; b < bars.size(); ++b)
            for (std::size_t k = 0; k < 3; ++k) shaded[b][k] = static_cast<std::uint8_t>(bars[b][k] * shade / 255);
        std::uint8_t* out = px.data() + static_cast<std::size_t>(y) * static_cast<std::size_t>(width) * 3;
        for (int x = 0; x < width; ++x, out += 3) {
            const auto& c = shaded[column_bar[static_cast<std::size_t>(x)]];
            out[0] = c[0];
            out[1] = c[1];
            out[2] = c[2];
        }
    }
    // A square bouncing between the edges.
    int side = std::max(8, height / 6);
    int span_x = std::max(1, width - side);
    int span_y = std::max(1, height - side);
    int t = static_cast<int>(counter % 100000);
    int bx = (t * 7) % (2 * span_x);
    int by = (t * 5) % (2 * span_y);
    if (bx >= span_x) bx = 2 * span_x - bx;
    if (by >= span_y) by = 2 * span_y - by;
    fill_rect(px, width, height, bx, by, side, side, 20, 20, 20);

    auto secs = std::chrono::system_clock::to_time_t(when);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char text[64];
    std::snprintf(text, sizeof text, "#%06llu %02d:%02d:%02d.%03d", static_cast<unsigned long long>(counter % 1000000),
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    int scale = std::max(1, width / 220);
    int text_h = 7 * scale;
    fill_rect(px, width, height, 0, height - text_h - 4 * scale, width, text_h + 4 * scale, 0, 0, 0);
    draw_text(px, width, height, 2 * scale, height - text_h - 2 * scale, scale, text);
    return encode_rgb(px, width, height, quality);
}

struct test_pattern_source::run_state {
    explicit run_state(const net::any_io_executor& ex) : timer(ex) {}
    net::steady_timer timer;
    bool stopped = false;
};

test_pattern_source::test_pattern_source(std::shared_ptr<frame_hub> hub, const clock& clk, int width, int height,
                                         int fps, int quality)
    : hub_(std::move(hub)), clock_(clk), width_(width), height_(height), fps_(fps > 0 ? fps : 1), quality_(quality) {}

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
                f.jpeg = render_test_pattern(++counter_, std::chrono::system_clock::now(), width_, height_, quality_);
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
