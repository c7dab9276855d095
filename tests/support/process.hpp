#pragma once
// Starts one of our real binaries as a child process, the way a user would, with its
// output captured to files so a failing test can show it.
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace printgate::testing {

class child_process {
public:
    // Starts argv[0] with the given arguments; stdout and stderr go to the given files.
    child_process(std::vector<std::string> argv, std::filesystem::path stdout_file,
                  std::filesystem::path stderr_file);
    ~child_process();  // SIGKILL if still running
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    int pid() const { return pid_; }
    bool running();
    // Waits for the exit status; nullopt when it did not exit in time.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    void signal(int sig);
    // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status (or -signal).
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

    std::string out() const;
    std::string err() const;

private:
    int pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path out_file_;
    std::filesystem::path err_file_;
};

// Polls `ready` every 10 ms until it returns true or `timeout` passes.
bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout);

}  // namespace printgate::testing
