#pragma once
#include <cctype>
// Shared by the host's integration tests: a simulator started as a child process on a
// real pty, job files with one distinct move per line, and the proof from the
// simulator's own log that no job line was lost or executed twice.
#include "process.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace printgate::testing {

struct executed_command {
    std::string number;  // line number, "-" for unnumbered, "!" for a fault event
    std::string text;
};

// The host sends moves compacted to Marlin ("G1X1Y2E.5"); the tests compare them in the
// spaced form they were written in ("G1 X1 Y2 E.5").
inline std::string spaced_move(const std::string& text) {
    const bool compact_move = text.size() > 2 && text[0] == 'G' && text[1] >= '0' && text[1] <= '3' &&
                              std::isalpha(static_cast<unsigned char>(text[2]));
    if (!compact_move) return text;
    std::string out = text.substr(0, 2);
    for (std::size_t i = 2; i < text.size(); ++i) {
        if (std::isalpha(static_cast<unsigned char>(text[i]))) out.push_back(' ');
        out.push_back(text[i]);
    }
    return out;
}

inline std::vector<executed_command> read_sim_log(const std::filesystem::path& log) {
    std::vector<executed_command> out;
    std::istringstream in(read_file(log));
    std::string line;
    while (std::getline(in, line)) {
        auto t1 = line.find('\t');
        auto t2 = line.find('\t', t1 + 1);
        if (t1 == std::string::npos || t2 == std::string::npos) continue;
        out.push_back({line.substr(t1 + 1, t2 - t1 - 1), spaced_move(line.substr(t2 + 1))});
    }
    return out;
}

// A job of `moves` distinct extruding moves (each line is unique, so the simulator's log
// shows exactly which ones ran), with a layer change every `per_layer` moves.
inline std::vector<std::string> write_job(const std::filesystem::path& file, int moves, int per_layer = 100) {
    std::vector<std::string> job_moves;
    std::ofstream out(file);
    out << "; printgate test job\nG90\nM83\n";
    double z = 0.2;
    for (int i = 0; i < moves; ++i) {
        if (i % per_layer == 0) {
            out << "G1 Z" << z << " F6000 ; layer\n";
            z += 0.2;
        }
        std::ostringstream m;
        m << "G1 X" << 100 + (i % 50) * 0.1 << " Y" << 100 + i * 0.001 << " E0.0" << (i % 9 + 1);
        job_moves.push_back(m.str());
        out << m.str() << "\n";
        if (i % 37 == 0) out << "\n; a comment line\n";
    }
    return job_moves;
}

// The executed job moves (in order) from the simulator's log: extruding XY moves, so
// the host's own park moves are not among them.
inline std::vector<std::string> executed_moves(const std::vector<executed_command>& log) {
    std::vector<std::string> out;
    for (const auto& c : log)
        if (c.number != "!" && c.number != "-" && c.text.starts_with("G1 X") && c.text.find(" E") != std::string::npos)
            out.push_back(c.text);
    return out;
}

inline int count_executed(const std::vector<executed_command>& log, const std::string& prefix) {
    int n = 0;
    for (const auto& c : log)
        if (c.number != "!" && c.text.starts_with(prefix)) ++n;
    return n;
}

class simulator {
public:
    simulator(const temp_dir& dir, std::vector<std::string> extra, std::string name = "sim") : dir_(dir) {
        link_ = dir.path() / (name + ".tty");
        log_ = dir.path() / (name + ".log");
        summary_ = dir.path() / (name + ".json");
        std::vector<std::string> argv = {PRINTGATE_SIM_BIN, "--pty", link_.string(), "--log", log_.string(),
                                         "--summary", summary_.string(), "--home-time", "0.2"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        proc_.emplace(argv, dir.path() / (name + ".out"), dir.path() / (name + ".err"));
        ready_ = wait_until([&] { return proc_->out().find("ready") != std::string::npos || !proc_->running(); },
                            std::chrono::seconds(20));
    }
    bool ready() const { return ready_; }
    const std::filesystem::path& link() const { return link_; }
    // Stops the simulator and returns its summary.
    nlohmann::json stop() {
        proc_->stop();
        auto text = read_file(summary_);
        return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text, nullptr, false);
    }
    std::vector<executed_command> log() const { return read_sim_log(log_); }
    std::string err() const { return proc_->err(); }

private:
    const temp_dir& dir_;
    std::filesystem::path link_, log_, summary_;
    std::optional<child_process> proc_;
    bool ready_ = false;
};

struct print_run {
    int exit_code = -1;
    std::string out;
    nlohmann::json result;
};

// Runs the real `printgate-edge print` against the simulator's pty.
inline print_run run_print(const temp_dir& dir, const std::filesystem::path& tty, const std::filesystem::path& job,
                           std::vector<std::string> extra = {}, std::chrono::seconds limit = std::chrono::seconds(240)) {
    auto result_file = dir.path() / "result.json";
    std::filesystem::remove(result_file);
    std::vector<std::string> argv = {PRINTGATE_EDGE_BIN, "print", "--port", tty.string(), "--result-json",
                                     result_file.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(job.string());
    child_process p(argv, dir.path() / "edge.out", dir.path() / "edge.err");
    print_run run;
    auto status = p.wait(limit);
    run.exit_code = status ? *status : -1000;
    run.out = p.out() + p.err();
    auto text = read_file(result_file);
    run.result = text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text, nullptr, false);
    return run;
}

// The heart of every scenario: the moves the simulator executed are exactly the first
// `count` moves of the job, each once, in order.
inline void expect_prefix_executed_once(const std::vector<std::string>& job, const std::vector<std::string>& executed,
                                        std::size_t count) {
    ASSERT_EQ(executed.size(), count) << "moves executed by the simulator";
    for (std::size_t i = 0; i < count; ++i) ASSERT_EQ(executed[i], job[i]) << "move " << i;
}

}  // namespace printgate::testing
