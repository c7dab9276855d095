#pragma once
// The simulated SD card: a fixed set of files, one selected file, and the reader that feeds
// its commands to the queue during an SD print.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::sim {

class sd_card {
public:
    struct entry {
        std::string name;
        std::size_t size;
    };
    enum class state { idle, printing, paused };

    explicit sd_card(std::map<std::string, std::string> files) : files_(std::move(files)) {}

    std::vector<entry> list() const;
    // M23: FAT names are case-insensitive. Returns the name and size as stored.
    std::optional<entry> select(std::string_view name);
    bool has_selection() const { return selected_ != nullptr; }

    void start_or_resume();
    void pause();
    // M524, end of file, reset, kill: the file is closed.
    void stop();

    state current() const { return state_; }
    bool printing() const { return state_ == state::printing; }
    bool open() const { return state_ != state::idle; }
    std::size_t position() const { return position_; }
    std::size_t size() const { return selected_ ? selected_->size() : 0; }

    // The next command of the file (comment, N and checksum removed), or nullopt at the end.
    std::optional<std::string> next_command();

private:
    std::map<std::string, std::string> files_;
    const std::string* selected_ = nullptr;
    state state_ = state::idle;
    std::size_t position_ = 0;
};

}  // namespace printgate::sim
