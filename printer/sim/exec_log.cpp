#include "exec_log.hpp"

namespace printgate::sim {

exec_log::exec_log(const std::string& path, time_point start) : start_(start) {
    if (path.empty()) return;
    file_ = std::fopen(path.c_str(), "w");
    failed_ = file_ == nullptr;
}

exec_log::~exec_log() {
    if (file_) std::fclose(file_);
}

void exec_log::command(time_point now, std::string_view origin, std::string_view text) {
    write(now, origin, text);
}

void exec_log::event(time_point now, std::string_view text) { write(now, "!", text); }

void exec_log::write(time_point now, std::string_view origin, std::string_view text) {
    if (!file_) return;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - start_).count();
    std::fprintf(file_, "%lld\t%.*s\t%.*s\n", static_cast<long long>(ms), static_cast<int>(origin.size()),
                 origin.data(), static_cast<int>(text.size()), text.data());
    std::fflush(file_);
}

}  // namespace printgate::sim
