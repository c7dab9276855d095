#include "printgate/printer/gcode_analysis.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "gcode_layer_tracker.hpp"
#include "gcode_motion.hpp"
#include "gcode_slicer_comments.hpp"
#include "gcode_text.hpp"
#include "gcode_thumbnail_block.hpp"

namespace printgate::printer {

using gcode_text::is_digit;
using gcode_text::is_space;
using gcode_text::upper;

struct gcode_analyzer::impl {
    explicit impl(gcode_analysis_limits l)
        : limits(l), thumbnails(limits, out), layers(limits.max_layers), motion(limits.max_tools) {
        carry.reserve(std::min<std::size_t>(limits.max_line_bytes, 4096));
    }

    void feed(const char* p, std::size_t n);
    std::optional<layer_change> line(std::string_view raw);
    std::optional<layer_change> comment(std::string_view text);
    std::optional<layer_change> command(const char* p, const char* end);
    void note_head(const char* p, std::size_t n);
    gcode_analysis finish();

    const gcode_analysis_limits limits;
    gcode_analysis out;  // counters and what the pieces write directly
    gcode_thumbnail_block thumbnails;
    gcode_layer_tracker layers;
    gcode_motion motion;

    std::string carry;      // the start of a line split across feed() calls
    bool overflow = false;  // the current line is too long: drop it up to its '\n'
    char head[4] = {};      // the file's first bytes, to recognise binary G-code
    std::size_t head_size = 0;
};

void gcode_analyzer::impl::note_head(const char* p, std::size_t n) {
    if (head_size == sizeof(head)) return;  // judged once, when it filled up
    while (head_size < sizeof(head) && n > 0) {
        head[head_size++] = *p++;
        --n;
    }
    if (head_size == sizeof(head) && std::memcmp(head, "GCDE", 4) == 0)
        gcode_text::add_problem(out, limits.max_problems,
                                "binary G-code (.bgcode): only plain-text G-code is analysed");
}

void gcode_analyzer::impl::feed(const char* p, std::size_t n) {
    out.bytes += n;
    if (head_size < sizeof(head)) note_head(p, n);
    while (n > 0) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', n));
        if (nl == nullptr) {
            if (!overflow) {
                if (carry.size() + n > limits.max_line_bytes) {
                    overflow = true;
                    carry.clear();
                } else {
                    carry.append(p, n);
                }
            }
            return;
        }
        std::size_t len = static_cast<std::size_t>(nl - p);
        if (overflow) {
            overflow = false;
            ++out.lines;
            ++out.oversized_lines;
        } else if (carry.empty()) {
            line(std::string_view(p, len));  // the common case: no copy
        } else if (carry.size() + len > limits.max_line_bytes) {
            carry.clear();
            ++out.lines;
            ++out.oversized_lines;
        } else {
            carry.append(p, len);
            line(carry);
            carry.clear();
        }
        p = nl + 1;
        n -= len + 1;
    }
}

std::optional<layer_change> gcode_analyzer::impl::line(std::string_view raw) {
    ++out.lines;
    if (raw.size() > limits.max_line_bytes) {
        ++out.oversized_lines;
        return std::nullopt;
    }
    if (out.lines == 1 && raw.starts_with("\xEF\xBB\xBF")) raw.remove_prefix(3);  // UTF-8 BOM
    const char* p = raw.data();
    const char* end = p + raw.size();
    while (p < end && is_space(*p)) ++p;
    while (end > p && (end[-1] == '\r' || is_space(end[-1]))) --end;
    if (p == end) return std::nullopt;
    if (*p == ';') return comment(gcode_text::trim_left(std::string_view(p + 1, end)));
    if (thumbnails.active()) thumbnails.interrupt(fmt::format("line {}", out.lines));
    return command(p, end);
}

std::optional<layer_change> gcode_analyzer::impl::comment(std::string_view text) {
    if (thumbnails.active()) {
        thumbnails.line(text);
        return std::nullopt;
    }
    if (text.empty()) return std::nullopt;
    std::optional<layer_change> change;
    switch (text.front()) {
    case 't':
        if (thumbnails.begin(text)) return std::nullopt;
        break;
    case 'L':
    case 'C':
    case 'Z':
    case 'H':
    case 'l':
        if (layers.comment(text, change)) return change;
        break;
    default: break;
    }
    apply_slicer_comment(text, out, limits);
    return std::nullopt;
}

namespace {

// One table lookup per character on the hottest loop of the analysis.
enum : std::uint8_t { char_skip = 26, char_stop = 27, char_paren = 28 };
constexpr std::array<std::uint8_t, 256> make_char_classes() {
    std::array<std::uint8_t, 256> t{};
    for (auto& c : t) c = char_skip;
    for (int i = 0; i < 26; ++i) {
        t[static_cast<std::size_t>('A' + i)] = static_cast<std::uint8_t>(i);
        t[static_cast<std::size_t>('a' + i)] = static_cast<std::uint8_t>(i);
    }
    t[';'] = char_stop;  // comment
    t['*'] = char_stop;  // the checksum of an N-numbered line
    t['('] = char_paren;  // RepRap-style inline comment
    return t;
}
constexpr auto char_classes = make_char_classes();

void parse_words(const char* p, const char* end, gcode_words& w) {
    while (p < end) {
        std::uint8_t k = char_classes[static_cast<unsigned char>(*p++)];
        if (k < 26) {
            std::uint32_t bit = 1u << k;
            w.present |= bit;
            double v;
            if (gcode_text::parse_decimal(p, end, v)) {
                w.valued |= bit;
                w.value[k] = v;
            }
        } else if (k == char_stop) {
            return;
        } else if (k == char_paren) {
            const void* close = std::memchr(p, ')', static_cast<std::size_t>(end - p));
            if (close == nullptr) return;
            p = static_cast<const char*>(close) + 1;
        }
    }
}

}  // namespace

std::optional<layer_change> gcode_analyzer::impl::command(const char* p, const char* end) {
    char letter = upper(*p);
    if (letter == 'N') {  // "N123 G1 X5*71": line numbers and checksums as a host sends them
        ++p;
        while (p < end && (is_digit(*p) || *p == '-')) ++p;
        while (p < end && is_space(*p)) ++p;
        letter = p < end ? upper(*p) : '\0';
    }
    if (letter != 'G' && letter != 'M' && letter != 'T') {
        ++out.unrecognized_lines;
        return std::nullopt;
    }
    ++p;
    const char* digits = p;
    std::uint64_t code = 0;
    while (p < end && is_digit(*p) && p - digits < 9) code = code * 10 + static_cast<unsigned>(*p++ - '0');
    if (p == digits && letter != 'T') {  // "Tx", "T?" (MMU) are commands; "Garbage" is not
        ++out.unrecognized_lines;
        return std::nullopt;
    }
    ++out.commands;
    layers.command();
    if (p == digits) return std::nullopt;
    if (p < end && *p == '.') return std::nullopt;  // G29.1 and friends: no motion we track

    gcode_words w;
    switch (letter) {
    case 'T': motion.select_tool(code); return std::nullopt;
    case 'M':
        if (code == 82 || code == 83) motion.set_e_relative(code == 83);
        return std::nullopt;
    default: break;
    }
    switch (code) {
    case 0:
    case 1:
    case 2:
    case 3: {
        parse_words(p, end, w);
        auto moved = code < 2 ? motion.line(w) : motion.arc(w, code == 2);
        return layers.move(motion.z(), moved.z_given, moved.extruding);
    }
    case 17:
    case 18:
    case 19: motion.set_plane(static_cast<int>(code)); break;
    case 20:
    case 21: motion.set_inches(code == 20); break;
    case 28:
        parse_words(p, end, w);
        motion.home(w);
        layers.move(motion.z(), false, false);
        break;
    case 90:
    case 91: motion.set_relative(code == 91); break;
    case 92:
        parse_words(p, end, w);
        motion.set_position(w);
        layers.move(motion.z(), false, false);
        break;
    default: break;
    }
    return std::nullopt;
}

gcode_analysis gcode_analyzer::impl::finish() {
    if (overflow) {
        ++out.lines;
        ++out.oversized_lines;
    } else if (!carry.empty()) {
        line(carry);
    }
    carry.clear();
    overflow = false;
    thumbnails.interrupt("the end of the file");
    motion.fill(out);
    layers.fill(out);
    return std::move(out);
}

gcode_analyzer::gcode_analyzer(gcode_analysis_limits limits) : impl_(std::make_unique<impl>(limits)) {}
gcode_analyzer::~gcode_analyzer() = default;
gcode_analyzer::gcode_analyzer(gcode_analyzer&&) noexcept = default;
gcode_analyzer& gcode_analyzer::operator=(gcode_analyzer&&) noexcept = default;

void gcode_analyzer::feed(std::span<const char> bytes) { impl_->feed(bytes.data(), bytes.size()); }

std::optional<layer_change> gcode_analyzer::feed_line(std::string_view line) {
    impl_->out.bytes += line.size() + 1;
    if (impl_->head_size < sizeof(impl_->head)) {  // the same bytes feed() would have seen
        impl_->note_head(line.data(), line.size());
        impl_->note_head("\n", 1);
    }
    return impl_->line(line);
}

std::optional<layer_change> gcode_analyzer::current_layer() const { return impl_->layers.current(); }

gcode_analysis gcode_analyzer::finish() {
    gcode_analysis result = impl_->finish();
    impl_ = std::make_unique<impl>(impl_->limits);
    return result;
}

namespace {

// Closes the descriptor on every path out.
struct file_descriptor {
    int fd;
    ~file_descriptor() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

gcode_file_result analyze_gcode_file(const std::filesystem::path& path, gcode_analysis_limits limits) {
    gcode_file_result result;
    file_descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) {
        result.error = std::error_code(errno, std::generic_category());
        return result;
    }
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) {
        result.error = std::error_code(errno, std::generic_category());
        return result;
    }
    if (!S_ISREG(st.st_mode)) {
        result.error = std::make_error_code(std::errc::invalid_argument);
        return result;
    }
    ::posix_fadvise(file.fd, 0, 0, POSIX_FADV_SEQUENTIAL);

    constexpr std::size_t chunk_size = 1 << 20;
    std::unique_ptr<char[]> buffer(new char[chunk_size]);
    gcode_analyzer analyzer(limits);
    for (;;) {
        ssize_t n = ::read(file.fd, buffer.get(), chunk_size);
        if (n < 0) {
            if (errno == EINTR) continue;
            result.error = std::error_code(errno, std::generic_category());
            return result;
        }
        if (n == 0) break;
        analyzer.feed(std::span<const char>(buffer.get(), static_cast<std::size_t>(n)));
    }
    result.analysis = analyzer.finish();
    return result;
}

}  // namespace printgate::printer
