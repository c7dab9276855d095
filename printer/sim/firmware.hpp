#pragma once
// The simulated Marlin 2.x firmware: the main loop that moves lines from the receive buffer
// into the command queue (validating line numbers and checksums on the way), executes one
// command at a time and answers "ok"; plus the emergency parser, faults, resets and kills.
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "async_event.hpp"
#include "emergency_parser.hpp"
#include "endpoint.hpp"
#include "exec_log.hpp"
#include "gcode_command.hpp"
#include "heater.hpp"
#include "line_intake.hpp"
#include "line_reader.hpp"
#include "motion_state.hpp"
#include "periodic_report.hpp"
#include "planner.hpp"
#include "rx_buffer.hpp"
#include "sd_card.hpp"
#include "serial_link.hpp"
#include "sim_options.hpp"
#include "sim_stats.hpp"

namespace printgate::sim {

class firmware {
public:
    firmware(net::any_io_executor ex, sim_options& options, serial_link& link, endpoint& port, exec_log& log,
             sim_stats& stats);

    // Prints the banner and starts the main loop.
    void start();
    // Bytes that finished their trip over the wire, in order.
    void on_receive(std::string_view bytes);
    bool sd_printing() const { return sd_.open(); }

private:
    using time_point = std::chrono::steady_clock::time_point;
    enum class origin { serial, sd, sd_done };
    enum class keepalive { none, processing, paused_for_user };
    enum class reply { ok, ok_with_temperatures, none };

    struct queued_command {
        std::uint64_t id;
        origin from;
        std::optional<long> line;  // the host's N
        std::string text;          // without N and checksum
    };

    // firmware.cpp: the loop, the queue, line errors, faults, kill and reset.
    net::awaitable<void> main_loop();
    void fill_queue();
    void accept_serial_line(const std::string& raw);
    void line_error(std::string_view message);
    void request_resend(long line);
    net::awaitable<void> run_next();
    void after_execution(const queued_command& cmd);
    // Blocks the running command until the deadline or until done() holds, emitting busy
    // keepalives. False when the firmware was killed or reset meanwhile.
    // (GCC 12 miscompiles co_await in conditions and references to temporaries held across
    // a suspension, hence by-value arguments and named results around these calls.)
    net::awaitable<bool> wait_until(time_point deadline, keepalive kind, std::function<bool()> done = {});
    void on_emergency(emergency_parser::command cmd);
    void kill(std::string_view reason);
    void reset_state();
    void banner();
    net::awaitable<void> vanish_and_return(double seconds);
    void emit(std::string_view line);
    void send_ok(std::optional<long> line);
    void log_fault(const fault& f);

    // firmware_gcode.cpp: G-codes, T, and M-codes about motion and the machine.
    net::awaitable<reply> execute(const queued_command& q, const gcode_command& cmd);
    net::awaitable<reply> execute_g(const gcode_command& cmd);
    net::awaitable<std::optional<reply>> execute_m(const gcode_command& cmd);
    net::awaitable<void> move(const gcode_command& cmd);
    net::awaitable<bool> synchronize();
    net::awaitable<void> dwell(std::chrono::duration<double> how_long, keepalive kind);
    void quick_stop();
    void unknown_command(const gcode_command& cmd);
    void report_position();
    void report_capabilities();

    // firmware_heat.cpp: targets, waits and reports.
    std::optional<reply> execute_heat(const gcode_command& cmd);
    net::awaitable<void> wait_for_heater(heater& h, bool cooling_too);
    heater* hotend_for(const gcode_command& cmd);
    std::string temperature_report(time_point now);
    void all_heaters_off(time_point now);

    // firmware_sd.cpp: the SD card commands.
    std::optional<reply> execute_sd(const gcode_command& cmd);
    void report_sd_status();

    net::any_io_executor ex_;
    sim_options& options_;
    serial_link& link_;
    endpoint& port_;
    exec_log& log_;
    sim_stats& stats_;

    async_event wake_;
    rx_buffer rx_;
    line_reader reader_;
    line_intake intake_;
    emergency_parser emergency_;
    std::deque<queued_command> queue_;
    std::uint64_t next_id_ = 1;

    planner planner_;
    motion_state motion_;
    std::vector<heater> hotends_;
    heater bed_;
    std::optional<heater> chamber_;
    std::size_t active_extruder_ = 0;
    sd_card sd_;
    periodic_report temperature_autoreport_;
    periodic_report sd_autoreport_;

    bool halted_ = false;
    bool idle_ = false;         // the main loop waits for input with the queue empty
    bool powered_off_ = false;  // between a vanish and the port's return
    std::optional<double> vanish_pending_;
    std::uint64_t epoch_ = 0;        // bumped by kill and reset: the running command is void
    bool waiting_for_user_ = false;  // M109/M190/M191/M600: M108 may end the wait
    bool wait_cancelled_ = false;
    double busy_interval_s_;
    time_point next_busy_{};
};

}  // namespace printgate::sim
