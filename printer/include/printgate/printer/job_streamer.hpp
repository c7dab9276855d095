#pragma once
// Reads a G-code file from disk a chunk at a time (never whole), hands out its commands
// with comments and blank lines stripped, and turns acknowledgements into progress.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace printgate::printer {

struct job_command {
    std::string text;
    std::uint64_t tag = 0;  // 1-based index of the command in the file
};

struct job_progress {
    std::uint64_t bytes_total = 0;
    std::uint64_t bytes_acked = 0;     // through the end of the last acknowledged command
    std::uint64_t commands_sent = 0;
    std::uint64_t commands_acked = 0;
    std::uint64_t file_line_acked = 0;  // line number in the file (1-based) of that command
    double z = 0;                       // Z of the last acknowledged move
    bool z_known = false;
    double fraction() const { return bytes_total ? static_cast<double>(bytes_acked) / static_cast<double>(bytes_total) : 1.0; }
};

// What the job's own commands left the machine in; restored after a pause.
struct job_modes {
    bool relative_xyz = false;  // G91
    bool relative_e = false;    // M83 (or G91 on firmwares where it covers E)
    std::optional<double> feedrate;
    std::optional<double> x, y, z;  // last commanded positions (absolute mode only)
};

class job_streamer {
public:
    static constexpr std::size_t max_line_bytes = 4096;

    // Opens the file; an error names the file and the reason.
    static std::unique_ptr<job_streamer> open(const std::filesystem::path& file, std::error_code& ec,
                                              std::string& error_text);
    ~job_streamer();
    job_streamer(const job_streamer&) = delete;
    job_streamer& operator=(const job_streamer&) = delete;

    // The next command, or nothing at the end of the file (or after a read error:
    // check error()).
    std::optional<job_command> next();
    bool exhausted() const { return eof_ && pending_.empty(); }
    const std::string& error() const { return error_; }

    // Every command up to and including `tag` was processed by the firmware.
    void acknowledge_through(std::uint64_t tag);
    bool all_acknowledged() const { return exhausted() && progress_.commands_acked == progress_.commands_sent; }

    const job_progress& progress() const { return progress_; }
    const job_modes& modes() const { return modes_; }
    const std::filesystem::path& path() const { return path_; }

private:
    explicit job_streamer(std::FILE* file, std::filesystem::path path, std::uint64_t size);
    bool fill();
    void track_modes(const std::string& command);

    struct sent_mark {
        std::uint64_t tag, end_offset, file_line;
        double z;
        bool z_known;
    };

    std::FILE* file_;
    std::filesystem::path path_;
    std::vector<char> buffer_;
    std::size_t buf_pos_ = 0, buf_len_ = 0;
    std::string carry_;
    std::uint64_t offset_ = 0;     // bytes consumed from the file
    std::uint64_t file_line_ = 0;  // lines consumed from the file
    bool eof_ = false;
    std::string error_;
    std::deque<job_command> pending_;
    std::deque<sent_mark> unacked_;
    job_progress progress_;
    job_modes modes_;
};

}  // namespace printgate::printer
