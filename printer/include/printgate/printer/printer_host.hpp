#pragma once
// The G-code host: one connection to one printer. It owns the link, speaks the
// Marlin/RepRap serial protocol (handshake, numbered lines, resends, ok/busy/wait,
// temperatures, SD card, host actions), streams jobs with a full firmware buffer, and
// turns every way a connection can go wrong into a clear state and event.
//
// Single-threaded: every method must be called on the executor's thread. Destroy it only
// after stop() and after the executor ran the handlers that stop() released.
#include "printgate/common/clock.hpp"
#include "printgate/printer/firmware_reply.hpp"
#include "printgate/printer/job_streamer.hpp"
#include "printgate/printer/line_sender.hpp"
#include "printgate/printer/thermal_watchdog.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace printgate::printer {

class link;

using std::chrono::milliseconds;
using std::chrono::seconds;

struct host_config {
    std::string port;          // device path, usb:VID:PID[:SERIAL] or tcp://host:port
    unsigned baud = 0;         // 0: autodetect (250000, 115200, then the rest)
    window_limits window;      // flow control and resend rules
    // Timeouts, as OctoPrint's defaults: no answer for 30 s while lines are in flight is
    // a communication timeout; once the firmware sends busy keepalives, 3 s past the
    // expected keepalive is.
    milliseconds communication_timeout = seconds(30);
    milliseconds busy_timeout = seconds(3);
    milliseconds connect_timeout = seconds(10);   // per baud rate tried
    milliseconds hello_interval = seconds(1);
    milliseconds temperature_interval = seconds(2);
    int max_consecutive_timeouts = 5;             // then the link is given up as dead
    bool auto_reconnect = true;                   // reopen a port that vanished
    milliseconds reconnect_interval = seconds(1);
    // Pause: retract, lift, optionally park; resume undoes it in reverse.
    double pause_retract_mm = 2.0;
    double pause_lift_mm = 10.0;
    std::optional<double> park_x, park_y;
    int extruders = 1;
    // Send G0-G3 moves without blanks when the firmware is Marlin (whose parser has taken
    // "G1X1Y2" since 1.1): about a tenth fewer bytes per move on the serial link.
    bool compact_moves = true;
    // With Marlin, leave the oldest unanswered line out of the bytes the window keeps within
    // the receive buffer: Marlin has read it into its command queue by the time anything the
    // host sends after the previous answer arrives (window_limits::oldest_line_taken). Not
    // while the card prints. Off: every unanswered byte counts.
    bool marlin_window = true;
    // The host's own thermal watchdog, independent of the firmware's protection.
    thermal_watchdog_config thermal;
};

enum class host_state { disconnected, connecting, operational, printing, pausing, paused, error };
const char* to_string(host_state s);

enum class job_status { completed, cancelled, failed, interrupted };
const char* to_string(job_status s);

struct job_result {
    job_status status = job_status::completed;
    std::string reason;
    std::string file;
    job_progress progress;
    std::chrono::steady_clock::duration elapsed{};
};

struct host_event {
    enum class kind {
        info,
        warning,
        firmware_error,      // an Error: line that did not stop the firmware
        alert,               // the firmware halted, thermal runaway, watchdog stop, emergency stop
        timeout,
        resend,
        firmware_reset,
        disconnected,
        connected,
        action,              // host action command from the firmware (// action:...)
        sd_done,
    };
    kind what = kind::info;
    std::string message;
};
const char* to_string(host_event::kind k);

struct firmware_identity {
    std::string name;                        // FIRMWARE_NAME
    std::map<std::string, std::string> info; // every M115 key
    std::map<std::string, bool> capabilities;
    bool has(const std::string& cap) const {
        auto it = capabilities.find(cap);
        return it != capabilities.end() && it->second;
    }
};

struct sd_file {
    std::string name;
    std::uint64_t size = 0;
};

// Everything the host reports. Each callback is optional.
struct host_callbacks {
    std::function<void(host_state, const std::string& reason)> on_state;
    std::function<void(const host_event&)> on_event;
    std::function<void(const std::vector<heater_reading>&)> on_temperatures;
    std::function<void(bool sent, const std::string& line)> on_terminal;
    std::function<void(const job_progress&)> on_progress;
    std::function<void(const job_result&)> on_job_done;
    std::function<void(const std::vector<sd_file>&)> on_sd_files;
    std::function<void(std::uint64_t done, std::uint64_t total)> on_sd_progress;
};

class printer_host {
public:
    printer_host(boost::asio::any_io_executor ex, host_config config, host_callbacks callbacks = {},
                 const clock& clk = steady_clock_source::instance());
    ~printer_host();
    printer_host(const printer_host&) = delete;
    printer_host& operator=(const printer_host&) = delete;

    // Opens the port and runs until stop(); reconnects by itself when configured.
    void start();
    // Closes the link; a running job ends as interrupted.
    void stop();

    // Queues one command (numbered, checksummed, in order with everything else).
    // Returns false with a reason when the printer cannot take commands now.
    bool send_command(std::string command, std::string& why);

    // Job control. start_job fails with a reason when not operational.
    bool start_job(std::unique_ptr<job_streamer> job, std::string& why);
    bool pause_job(std::string& why);
    bool resume_job(std::string& why);
    bool cancel_job(std::string& why);

    // M112 out of band (parsed on arrival by firmware with an emergency parser, even
    // when its buffer is full), then heaters off, then the link is closed.
    void emergency_stop(const std::string& reason);

    // SD card: M20 list, M23 select + M24 start, M25 pause, M524 abort; progress via
    // M27 (autoreported when the firmware can).
    bool sd_list(std::string& why);
    bool sd_print(const std::string& name, std::string& why);
    bool sd_pause(std::string& why);
    bool sd_resume(std::string& why);
    bool sd_abort(std::string& why);

    host_state state() const { return state_; }
    const firmware_identity& firmware() const { return firmware_; }
    const line_sender& sender() const { return sender_; }
    const std::vector<heater_reading>& temperatures() const { return temperatures_; }
    unsigned baud() const { return baud_; }
    bool job_active() const { return job_ != nullptr; }
    bool sd_printing() const { return sd_printing_; }
    // Nothing queued, nothing unanswered (or the link is gone): safe to stop.
    bool drained() const;
    const job_streamer* job() const { return job_.get(); }

private:
    enum class phase { closed, opening, hello, identify, ready };
    struct queued {
        std::string text;
        std::function<void()> on_ok;  // runs when this command's ok arrives
    };

    boost::asio::awaitable<void> run();
    boost::asio::awaitable<bool> open_link();
    boost::asio::awaitable<void> read_loop();
    boost::asio::awaitable<void> write_loop();
    boost::asio::awaitable<void> tick_loop();

    void handle_line(std::string_view line);
    void handle_ok(const firmware_reply& reply, std::string_view line);
    void handle_resend(const firmware_reply& reply);
    void handle_fatal(const std::string& text);
    void handle_start();
    void handle_action(const firmware_reply& reply);
    void handle_temperatures(const std::vector<heater_reading>& readings);
    void note_target(const std::string& word, const std::string& command);
    void handle_sd_line(std::string_view line);
    void tick();
    void on_timeout(const std::string& why);
    void link_lost(const std::string& why);
    void begin_handshake();
    // Identify's synchronisation: unnumbered M115, only its own ok counts, then M110 N0.
    void resynchronise();
    void finish_identify();
    void finish_job(job_status status, const std::string& reason);
    void set_state(host_state s, const std::string& reason = {});
    void emit(host_event::kind k, std::string message);
    void enqueue(std::string text, std::function<void()> on_ok = {}, bool front = false);
    std::string take_batch();
    void wake_writer();
    void write_directly();
    void note_command_sent(const std::string& text, std::uint32_t number);
    bool ready_for_commands(std::string& why) const;
    void do_pause_park();
    void close_link();
    milliseconds current_timeout() const;

    boost::asio::any_io_executor ex_;
    host_config config_;
    host_callbacks cb_;
    const clock& clock_;

    std::unique_ptr<link> link_;
    boost::asio::steady_timer wake_;
    boost::asio::steady_timer retry_;
    bool running_ = false;
    bool writing_ = false;
    // The write loop waits on wake_ with nothing to send. While the read loop handles what
    // arrived, a wake-up only sets write_wanted_; the read loop then writes the next lines
    // itself (write_directly) and hands the write loop only what the port did not take, in
    // unsent_, which goes out before anything else.
    bool writer_parked_ = false;
    bool handling_input_ = false;
    bool write_wanted_ = false;
    std::string unsent_;
    std::uint64_t link_generation_ = 0;

    host_state state_ = host_state::disconnected;
    phase phase_ = phase::closed;
    bool identify_heard_ = false;        // FIRMWARE_NAME arrived since identify began
    bool numbering_reset_sent_ = false;  // identify's own M110 N0 is out
    bool compact_ = false;               // compact_moves, and the firmware is Marlin
    bool marlin_window_ = false;         // marlin_window, and the firmware is Marlin
    line_sender sender_;
    firmware_identity firmware_;
    unsigned baud_ = 0;
    std::size_t baud_index_ = 0;

    std::deque<std::string> raw_out_;  // unnumbered bytes that bypass the window
    std::deque<queued> commands_;
    // Callbacks and long-running flags of numbered lines in flight, by line number.
    std::map<std::uint32_t, std::function<void()>> ok_actions_;
    std::map<std::uint32_t, bool> long_running_;

    std::unique_ptr<job_streamer> job_;
    std::optional<job_command> job_pending_;  // read from the file, not yet sent
    std::uint64_t job_tag_base_ = 0;          // job tags are offset so acks of older lines never count
    std::chrono::steady_clock::time_point job_started_{};
    std::chrono::steady_clock::time_point last_progress_{};
    bool job_pause_requested_ = false;
    std::optional<axis_position> paused_at_;
    bool pause_position_pending_ = false;

    thermal_watchdog watchdog_;
    std::map<std::string, double> targets_;  // last target reported per heater
    std::vector<heater_reading> temperatures_;
    bool autoreport_ = false;
    bool temp_poll_queued_ = false;
    std::chrono::steady_clock::time_point last_temp_poll_{};

    std::string rx_partial_;
    std::chrono::steady_clock::time_point last_rx_{};  // last answer or keepalive
    std::chrono::steady_clock::time_point last_busy_{};
    milliseconds busy_interval_{2000};
    bool last_was_busy_ = false;
    std::chrono::steady_clock::time_point phase_since_{};
    std::chrono::steady_clock::time_point last_hello_{};
    std::chrono::steady_clock::time_point reconnect_at_{};
    std::chrono::steady_clock::time_point close_at_{};
    bool close_pending_ = false;
    int consecutive_timeouts_ = 0;
    bool halted_ = false;

    bool sd_listing_ = false;
    std::vector<sd_file> sd_files_;
    bool sd_printing_ = false;
    bool sd_poll_queued_ = false;
    std::chrono::steady_clock::time_point last_sd_poll_{};
    bool open_failure_reported_ = false;
};

}  // namespace printgate::printer
