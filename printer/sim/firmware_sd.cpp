// The firmware's SD card commands.
#include <fmt/format.h>

#include "firmware.hpp"

namespace printgate::sim {

void firmware::report_sd_status() {
    if (sd_.open())
        emit(fmt::format("SD printing byte {}/{}", sd_.position(), sd_.size()));
    else
        emit("Not SD printing");
}

std::optional<firmware::reply> firmware::execute_sd(const gcode_command& cmd) {
    switch (cmd.code()) {
        case 20:
            emit("Begin file list");
            for (const auto& f : sd_.list()) emit(fmt::format("{} {}", f.name, f.size));
            emit("End file list");
            return reply::ok;
        case 21:
            emit("echo:SD card ok");
            return reply::ok;
        case 22:
            return reply::ok;
        case 23: {
            if (sd_.printing()) return reply::ok;  // Marlin will not swap the file mid-print
            const std::string& name = cmd.argument();
            if (auto f = sd_.select(name)) {
                emit("echo:Now fresh file: " + f->name);
                emit(fmt::format("File opened: {} Size: {}", f->name, f->size));
                emit("File selected");
            } else {
                emit(fmt::format("open failed, File: {}.", name));
            }
            return reply::ok;
        }
        case 24:
            sd_.start_or_resume();
            wake_.notify();
            return reply::ok;
        case 25:
            sd_.pause();
            return reply::ok;
        case 27:
            if (auto s = cmd.value('S'))
                sd_autoreport_.set_interval(std::max(*s, 0.0));
            else
                report_sd_status();
            return reply::ok;
        case 524: {
            // Like Marlin's abort: the file closes, what was read from it is dropped, the
            // motion stops and the heaters go off.
            if (!sd_.open()) return reply::ok;
            sd_.stop();
            std::erase_if(queue_, [](const queued_command& q) { return q.from != origin::serial; });
            quick_stop();
            all_heaters_off(std::chrono::steady_clock::now());
            return reply::ok;
        }
        default:
            return std::nullopt;
    }
}

}  // namespace printgate::sim
