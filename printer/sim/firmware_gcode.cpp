// The firmware's G-codes, tool changes and machine M-codes.
#include <fmt/format.h>

#include <cmath>

#include "firmware.hpp"
#include "serial_line.hpp"
#include "sim_time.hpp"

namespace printgate::sim {
namespace {

using std::chrono::steady_clock;

// Steps per mm of a typical Cartesian printer, for M114's "Count" figures.
constexpr double steps_xy = 80, steps_z = 400;

}  // namespace

net::awaitable<firmware::reply> firmware::execute(const queued_command& q, const gcode_command& cmd) {
    if (q.from == origin::sd_done) {
        emit("Done printing file");
        co_return reply::none;
    }
    if (cmd.text().empty()) co_return reply::ok;  // "N5 *xx": nothing to do but answer
    if (cmd.letter() == 'G') {
        const reply r = co_await execute_g(cmd);
        co_return r;
    }
    if (cmd.letter() == 'T' && cmd.code() >= 0) {
        if (static_cast<std::size_t>(cmd.code()) >= hotends_.size()) {
            emit(fmt::format("echo:T{} Invalid extruder", cmd.code()));
        } else {
            co_await synchronize();
            active_extruder_ = static_cast<std::size_t>(cmd.code());
            emit(fmt::format("echo:Active Extruder: {}", active_extruder_));
        }
        co_return reply::ok;
    }
    if (cmd.letter() == 'M') {
        if (auto r = execute_heat(cmd)) {
            if (cmd.is('M', 109) || cmd.is('M', 190) || cmd.is('M', 191)) {
                heater* h = cmd.is('M', 109) ? hotend_for(cmd) : cmd.is('M', 190) ? &bed_ : &*chamber_;
                if (h && (cmd.has('S') || cmd.has('R'))) co_await wait_for_heater(*h, cmd.has('R'));
            }
            co_return *r;
        }
        if (options_.sd_card)
            if (auto r = execute_sd(cmd)) co_return *r;
        const std::optional<reply> r = co_await execute_m(cmd);
        if (r) co_return *r;
    }
    unknown_command(cmd);
    co_return reply::ok;
}

void firmware::unknown_command(const gcode_command& cmd) {
    emit(fmt::format("echo:Unknown command: \"{}\"", cmd.text()));
}

net::awaitable<firmware::reply> firmware::execute_g(const gcode_command& cmd) {
    switch (cmd.code()) {
        case 0:
        case 1:
        case 2:
        case 3:
            co_await move(cmd);
            break;
        case 4: {
            const bool synced = co_await synchronize();
            if (!synced) break;
            const double s = cmd.has('P') ? cmd.value_or('P', 0) / 1000.0 : cmd.value_or('S', 0);
            co_await dwell(std::chrono::duration<double>(std::max(s, 0.0)), keepalive::processing);
            break;
        }
        case 21:
            break;  // millimetres, the only unit
        case 28:
        case 29: {
            const bool synced = co_await synchronize();
            if (!synced) break;
            co_await dwell(std::chrono::duration<double>(options_.home_time_s * (cmd.code() == 29 ? 3 : 1)),
                           keepalive::processing);
            if (cmd.code() == 28) {
                motion_.home(cmd);
                planner_.set_position(motion_.position());
            }
            break;
        }
        case 90:
            motion_.set_relative(false);
            break;
        case 91:
            motion_.set_relative(true);
            break;
        case 92:
            motion_.set_position(cmd);
            break;
        default:
            unknown_command(cmd);
    }
    co_return reply::ok;
}

net::awaitable<std::optional<firmware::reply>> firmware::execute_m(const gcode_command& cmd) {
    switch (cmd.code()) {
        case 17:
        case 18:
        case 84:
        case 73:  // progress display
        case 75:  // print job timer
        case 76:
        case 77:
        case 106:
        case 107:
        case 117:
        case 221:
            co_return reply::ok;
        case 82:
            motion_.set_relative_e(false);
            co_return reply::ok;
        case 83:
            motion_.set_relative_e(true);
            co_return reply::ok;
        case 108:
        case 112:
        case 410:
            // With the emergency parser these already acted when their bytes arrived.
            if (options_.emergency_parser) co_return reply::ok;
            if (cmd.code() == 112) {
                kill("M112");
                co_return reply::none;
            }
            if (cmd.code() == 410) quick_stop();
            // M108 through the queue: whatever waited has finished by now.
            co_return reply::ok;
        case 110:
            if (auto n = cmd.value('N')) {
                intake_.set_last(clamp_line_number(std::round(*n)));
                stats_.line_numbers_reset(intake_.last());
            }
            co_return reply::ok;
        case 113:
            if (auto s = cmd.value('S'))
                busy_interval_s_ = std::max(*s, 0.0);
            else
                emit(fmt::format("echo:M113 S{}", busy_interval_s_));
            co_return reply::ok;
        case 114:
            report_position();
            co_return reply::ok;
        case 115:
            report_capabilities();
            co_return reply::ok;
        case 118: {
            // M118 E1 / A1 prefix the message as echo: / a host action.
            std::string text = cmd.argument();
            std::string prefix;
            if (text.rfind("E1", 0) == 0)
                prefix = "echo:";
            else if (text.rfind("A1", 0) == 0)
                prefix = "//";
            if (!prefix.empty()) {
                text.erase(0, 2);
                text.erase(0, text.find_first_not_of(' '));
            }
            emit(prefix + text);
            co_return reply::ok;
        }
        case 220:
            if (auto s = cmd.value('S'); s && *s > 0) motion_.set_feed_percent(*s);
            co_return reply::ok;
        case 400:
            co_await synchronize();
            co_return reply::ok;
        case 600: {
            const bool synced = co_await synchronize();
            if (!synced) co_return reply::ok;
            waiting_for_user_ = true;
            wait_cancelled_ = false;
            co_await wait_until(steady_clock::now() + std::chrono::seconds(5), keepalive::paused_for_user,
                                [this] { return wait_cancelled_; });
            waiting_for_user_ = false;
            co_return reply::ok;
        }
        default:
            co_return std::nullopt;
    }
}

net::awaitable<void> firmware::move(const gcode_command& cmd) {
    // Marlin plans the move only once a block is free; until then the command, and the
    // whole queue behind it, waits.
    while (planner_.full(steady_clock::now())) {
        const bool alive = co_await wait_until(planner_.next_free_at(), keepalive::processing,
                                               [this] { return !planner_.full(steady_clock::now()); });
        if (!alive) co_return;
    }
    const auto m = motion_.linear(cmd);
    if (m.moves) planner_.add(steady_clock::now(), m.from, m.to, m.duration);
}

net::awaitable<bool> firmware::synchronize() {
    while (!planner_.empty(steady_clock::now())) {
        const bool alive = co_await wait_until(planner_.drained_at(), keepalive::processing,
                                               [this] { return planner_.empty(steady_clock::now()); });
        if (!alive) co_return false;
    }
    co_return true;
}

net::awaitable<void> firmware::dwell(std::chrono::duration<double> how_long, keepalive kind) {
    const auto until = steady_clock::now() + from_seconds(how_long.count());
    co_await wait_until(until, kind);
}

void firmware::quick_stop() {
    // The steppers stop where they are and that becomes the current position.
    motion_.set_current(planner_.quick_stop(steady_clock::now()));
    wake_.notify();
}

void firmware::report_position() {
    const auto& p = motion_.position();
    const auto s = planner_.stepper_position(steady_clock::now());
    emit(fmt::format("X:{:.2f} Y:{:.2f} Z:{:.2f} E:{:.2f} Count X:{} Y:{} Z:{}", p.x, p.y, p.z, p.e,
                     std::lround(s.x * steps_xy), std::lround(s.y * steps_xy), std::lround(s.z * steps_z)));
}

void firmware::report_capabilities() {
    emit(fmt::format(
        "FIRMWARE_NAME:Marlin 2.1.2 (printgate-sim) SOURCE_CODE_URL:github.com/MarlinFirmware/Marlin "
        "PROTOCOL_VERSION:1.0 MACHINE_TYPE:printgate-sim EXTRUDER_COUNT:{} "
        "UUID:cede2a2f-41a2-4748-9b12-c55c62f367ff",
        hotends_.size()));
    auto cap = [this](std::string_view name, bool on) { emit(fmt::format("Cap:{}:{}", name, on ? 1 : 0)); };
    cap("SERIAL_XON_XOFF", false);
    cap("BINARY_FILE_TRANSFER", false);
    cap("EEPROM", false);
    cap("VOLUMETRIC", true);
    cap("AUTOREPORT_POS", false);
    cap("AUTOREPORT_TEMP", options_.autoreport);
    cap("PROGRESS", false);
    cap("PRINT_JOB", true);
    cap("AUTOLEVEL", false);
    cap("RUNOUT", false);
    cap("Z_PROBE", false);
    cap("LEVELING_DATA", false);
    cap("BUILD_PERCENT", false);
    cap("SOFTWARE_POWER", false);
    cap("TOGGLE_LIGHTS", false);
    cap("CASE_LIGHT_BRIGHTNESS", false);
    cap("EMERGENCY_PARSER", options_.emergency_parser);
    cap("HOST_ACTION_COMMANDS", true);
    cap("PROMPT_SUPPORT", false);
    cap("SDCARD", options_.sd_card);
    cap("REPEAT", false);
    cap("SD_WRITE", false);
    cap("AUTOREPORT_SD_STATUS", true);
    cap("LONG_FILENAME", false);
    cap("THERMAL_PROTECTION", true);
    cap("MOTION_MODES", false);
    cap("ARCS", true);
    cap("BABYSTEPPING", false);
    cap("CHAMBER_TEMPERATURE", options_.chamber);
    cap("COOLER_TEMPERATURE", false);
    cap("MEATPACK", false);
    cap("ADVANCED_OK", options_.advanced_ok);
}

}  // namespace printgate::sim
