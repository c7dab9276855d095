// The firmware's life events: the banner at power-up, the emergency parser's commands,
// kill (halt), reset, and the port vanishing and coming back.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "firmware.hpp"
#include "sim_time.hpp"

namespace printgate::sim {

using std::chrono::steady_clock;

void firmware::banner() {
    emit("start");
    emit("echo:Marlin 2.1.2 (printgate-sim)");
    emit("echo: Last Updated: 2023-07-24 | Author: (printgate-sim)");
    emit(fmt::format("echo: Free Memory: 2816  PlannerBufferBytes: {}", options_.planner_blocks * 56));
    emit("echo:SD card ok");
}

void firmware::on_emergency(emergency_parser::command cmd) {
    const auto now = steady_clock::now();
    const char* name = cmd == emergency_parser::command::m112   ? "M112"
                       : cmd == emergency_parser::command::m108 ? "M108"
                                                                : "M410";
    log_.command(now, "-", name);
    ++stats_.counters.commands_executed;
    switch (cmd) {
        case emergency_parser::command::m112:
            kill("M112");
            break;
        case emergency_parser::command::m108:
            if (waiting_for_user_) wait_cancelled_ = true;
            wake_.notify();
            break;
        case emergency_parser::command::m410:
            quick_stop();
            break;
        case emergency_parser::command::none:
            break;
    }
}

void firmware::kill(std::string_view reason) {
    if (halted_) return;
    const auto now = steady_clock::now();
    halted_ = true;
    ++epoch_;
    planner_.quick_stop(now);
    all_heaters_off(now);
    sd_.stop();
    temperature_autoreport_.set_interval(0);
    sd_autoreport_.set_interval(0);
    queue_.clear();
    rx_.clear();
    reader_.clear();
    emit("Error:Printer halted. kill() called!");
    stats_.counters.killed = true;
    log_.event(now, "halted: " + std::string(reason));
    wake_.notify();
}

void firmware::reset_state() {
    const auto now = steady_clock::now();
    ++epoch_;
    ++stats_.counters.resets;
    queue_.clear();
    rx_.clear();
    reader_.clear();
    emergency_.reset();
    planner_.reset();
    motion_.reset();
    all_heaters_off(now);
    sd_.stop();
    temperature_autoreport_.set_interval(0);
    sd_autoreport_.set_interval(0);
    intake_.set_last(0);
    stats_.line_numbers_reset(0);
    halted_ = false;
    waiting_for_user_ = wait_cancelled_ = false;
    busy_interval_s_ = options_.busy_interval_s;
    active_extruder_ = 0;
    wake_.notify();
}

net::awaitable<void> firmware::vanish_and_return(double how_long) {
    reset_state();
    powered_off_ = true;
    link_.clear();
    port_.vanish();
    net::steady_timer timer(ex_);
    timer.expires_after(from_seconds(how_long));
    co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    bool warned = false;
    while (auto why = port_.open()) {
        if (!warned) spdlog::warn("port cannot come back yet: {}", *why);
        warned = true;
        timer.expires_after(std::chrono::milliseconds(100));
        co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    }
    link_.clear();
    powered_off_ = false;
    log_.event(steady_clock::now(), "port back: " + port_.ready_text());
    banner();
}

}  // namespace printgate::sim
