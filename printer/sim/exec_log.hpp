#pragma once
// The --log file: one line per executed command and per fault event, flushed at once so
// that a test can read it while the simulator runs.
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace printgate::sim {

class exec_log {
public:
    using time_point = std::chrono::steady_clock::time_point;

    // An empty path disables the log.
    exec_log(const std::string& path, time_point start);
    ~exec_log();
    exec_log(const exec_log&) = delete;
    exec_log& operator=(const exec_log&) = delete;

    bool failed() const { return failed_; }

    // `<ms>\t<origin>\t<command>`: origin is the line number, "-" or "sd".
    void command(time_point now, std::string_view origin, std::string_view text);
    // `<ms>\t!\t<event>`.
    void event(time_point now, std::string_view text);

private:
    void write(time_point now, std::string_view origin, std::string_view text);

    std::FILE* file_ = nullptr;
    bool failed_ = false;
    time_point start_;
};

}  // namespace printgate::sim
