#pragma once
// --demo: printgate-sim as a child process on a pty, ended with the edge (and, through
// PR_SET_PDEATHSIG, even when the edge is killed).
#include <filesystem>
#include <string>
#include <vector>

namespace printgate::edge {

class sim_process {
public:
    sim_process() = default;
    ~sim_process();
    sim_process(const sim_process&) = delete;
    sim_process& operator=(const sim_process&) = delete;

    // Starts `binary --pty link extra...` and waits (up to 20 s) for its ready line.
    bool start(const std::string& binary, const std::filesystem::path& link, const std::vector<std::string>& extra,
               std::string& why);
    void stop();

private:
    int pid_ = -1;
};

}  // namespace printgate::edge
