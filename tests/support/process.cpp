#include "process.hpp"

#include "temp_dir.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace printgate::testing {

child_process::child_process(std::vector<std::string> argv, std::filesystem::path stdout_file,
                             std::filesystem::path stderr_file)
    : out_file_(std::move(stdout_file)), err_file_(std::move(stderr_file)) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int out = ::open(out_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = ::open(err_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int null = ::open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || null < 0) ::_exit(126);
        ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::setpgid(0, 0);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
}

child_process::~child_process() {
    if (!status_) {
        ::kill(pid_, SIGKILL);
        int st = 0;
        ::waitpid(pid_, &st, 0);
    }
}

bool child_process::running() {
    if (status_) return false;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
        return false;
    }
    return true;
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
    wait_until([this] { return !running(); }, timeout);
    return status_;
}

void child_process::signal(int sig) {
    if (!status_) ::kill(pid_, sig);
}

int child_process::stop(std::chrono::milliseconds grace) {
    signal(SIGTERM);
    if (auto st = wait(grace)) return *st;
    signal(SIGKILL);
    auto st = wait(std::chrono::seconds(10));
    return st.value_or(-SIGKILL);
}

std::string child_process::out() const { return read_file(out_file_); }
std::string child_process::err() const { return read_file(err_file_); }

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (ready()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace printgate::testing
