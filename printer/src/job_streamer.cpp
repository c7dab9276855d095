#include "printgate/printer/job_streamer.hpp"

#include "printgate/printer/gcode_line.hpp"

#include <cerrno>
#include <cstring>

namespace printgate::printer {

namespace {
constexpr std::size_t chunk_bytes = 64 * 1024;
}

std::unique_ptr<job_streamer> job_streamer::open(const std::filesystem::path& file, std::error_code& ec,
                                                 std::string& error_text) {
    std::error_code size_ec;
    if (std::filesystem::is_directory(file, size_ec)) {
        ec = std::make_error_code(std::errc::is_a_directory);
        error_text = file.string() + " is a directory, not a G-code file";
        return nullptr;
    }
    std::FILE* f = std::fopen(file.c_str(), "rb");
    if (f == nullptr) {
        ec = std::error_code(errno, std::generic_category());
        error_text = "cannot open " + file.string() + ": " + std::strerror(errno);
        return nullptr;
    }
    auto size = std::filesystem::file_size(file, size_ec);
    return std::unique_ptr<job_streamer>(new job_streamer(f, file, size_ec ? 0 : size));
}

job_streamer::job_streamer(std::FILE* file, std::filesystem::path path, std::uint64_t size)
    : file_(file), path_(std::move(path)), buffer_(chunk_bytes) {
    progress_.bytes_total = size;
}

job_streamer::~job_streamer() {
    if (file_ != nullptr) std::fclose(file_);
}

bool job_streamer::fill() {
    if (eof_) return false;
    buf_len_ = std::fread(buffer_.data(), 1, buffer_.size(), file_);
    buf_pos_ = 0;
    if (buf_len_ == 0) {
        if (std::ferror(file_)) error_ = "read error in " + path_.string() + ": " + std::strerror(errno);
        eof_ = true;
        return false;
    }
    return true;
}

std::optional<job_command> job_streamer::next() {
    while (pending_.empty()) {
        if (buf_pos_ == buf_len_ && !fill()) {
            if (carry_.empty()) return std::nullopt;
            // The last line of a file without a final newline.
            std::string last;
            last.swap(carry_);
            ++file_line_;
            auto stripped = strip_gcode(last);
            if (stripped.empty()) return std::nullopt;
            pending_.push_back({std::string(stripped), 0});
            break;
        }
        const char* start = buffer_.data() + buf_pos_;
        const void* nl = std::memchr(start, '\n', buf_len_ - buf_pos_);
        std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) : buf_len_ - buf_pos_;
        offset_ += len + (nl ? 1 : 0);
        buf_pos_ += len + (nl ? 1 : 0);
        if (carry_.size() + len > max_line_bytes) {
            error_ = "line " + std::to_string(file_line_ + 1) + " of " + path_.string() + " is longer than " +
                     std::to_string(max_line_bytes) + " bytes";
            eof_ = true;
            return std::nullopt;
        }
        if (!nl) {
            carry_.append(start, len);
            continue;
        }
        ++file_line_;
        std::string_view line(start, len);
        std::string joined;
        if (!carry_.empty()) {
            carry_.append(start, len);
            joined.swap(carry_);
            line = joined;
        }
        auto stripped = strip_gcode(line);
        if (!stripped.empty()) pending_.push_back({std::string(stripped), 0});
    }
    job_command cmd = std::move(pending_.front());
    pending_.pop_front();
    cmd.tag = ++progress_.commands_sent;
    track_modes(cmd.text);
    unacked_.push_back({cmd.tag, offset_, file_line_,
                        modes_.z.value_or(0), modes_.z.has_value()});
    return cmd;
}

void job_streamer::track_modes(const std::string& command) {
    std::string word = command_word(command);
    if (word == "G90") {
        modes_.relative_xyz = false;
        modes_.relative_e = false;  // Marlin: G90 also makes E absolute unless M83 follows
    } else if (word == "G91") {
        modes_.relative_xyz = true;
        modes_.relative_e = true;
    } else if (word == "M82") {
        modes_.relative_e = false;
    } else if (word == "M83") {
        modes_.relative_e = true;
    } else if (word == "G0" || word == "G1" || word == "G2" || word == "G3") {
        double v = 0;
        if (find_parameter(command, 'F', v)) modes_.feedrate = v;
        for (auto [letter, axis] : {std::pair{'X', &modes_.x}, std::pair{'Y', &modes_.y}, std::pair{'Z', &modes_.z}}) {
            if (!find_parameter(command, letter, v)) continue;
            if (!modes_.relative_xyz)
                *axis = v;
            else if (axis->has_value())
                *axis = **axis + v;
        }
    } else if (word == "G28") {
        modes_.x.reset();
        modes_.y.reset();
        modes_.z.reset();
    } else if (word == "G92") {
        double v = 0;
        for (auto [letter, axis] : {std::pair{'X', &modes_.x}, std::pair{'Y', &modes_.y}, std::pair{'Z', &modes_.z}})
            if (find_parameter(command, letter, v)) *axis = v;
    }
}

void job_streamer::acknowledge_through(std::uint64_t tag) {
    while (!unacked_.empty() && unacked_.front().tag <= tag) {
        const sent_mark& m = unacked_.front();
        progress_.commands_acked = m.tag;
        progress_.bytes_acked = m.end_offset;
        progress_.file_line_acked = m.file_line;
        progress_.z = m.z;
        progress_.z_known = m.z_known;
        unacked_.pop_front();
    }
}

}  // namespace printgate::printer
