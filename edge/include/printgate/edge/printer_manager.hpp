#pragma once
// The one printer this edge drives: connects (and auto-connects) a printer_host, runs jobs,
// keeps the history journal, and turns everything the host reports into JSON pushes for
// WebSocket clients, alerts and the tunnel. Single-threaded: call it on the executor's thread.
#include "printgate/common/clock.hpp"
#include "printgate/edge/edge_config.hpp"
#include "printgate/printer/printer_host.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace printgate::edge {

class history_store;

// A push: `topic` is state, temperatures, terminal, event, progress or job; `message` is
// the wire message {"type","timestamp","printer_id","data"}. Terminal batches (two lines per
// printed line) are written as text directly: `text` holds the serialized message and
// `message` is null.
struct push_message {
    std::string topic;
    nlohmann::json message;
    std::string text{};
};

class printer_manager {
public:
    printer_manager(boost::asio::any_io_executor ex, const edge_config& config, history_store& history,
                    const clock& clk = steady_clock_source::instance());
    ~printer_manager();
    printer_manager(const printer_manager&) = delete;
    printer_manager& operator=(const printer_manager&) = delete;

    // Marks jobs a dead process left as interrupted, and connects when configured to.
    void start();
    void stop();

    bool connect(const std::string& port, unsigned baud, std::string& why);
    void disconnect();

    bool start_print(const std::filesystem::path& file, const std::string& display_name, const std::string& user,
                     std::string& why);
    bool pause(std::string& why);
    bool resume(std::string& why);
    bool cancel(std::string& why);
    bool send_gcode(const std::string& command, std::string& why);

    // The printer's SD card: the last list the firmware gave (M20), asked for when the
    // printer connects and on request; a print from it (M23 + M24, progress from M27) is a
    // job like any other: pause, resume, cancel, progress by bytes and a history row.
    const std::vector<printer::sd_file>& sd_files() const { return sd_files_; }
    bool sd_listed() const { return sd_listed_; }  // a list arrived since the printer connected
    bool refresh_sd_files(std::string& why);
    // `name` as the firmware listed it (case-insensitive); why = "no such file..." when it is not
    // there, "the printer has no SD card..." when the firmware reports no SD support.
    bool start_sd_print(const std::string& name, const std::string& user, std::string& why);
    bool job_from_sd() const { return job_ && job_->sd; }

    // The host's state; while an SD print runs (the host itself stays operational) printing or paused.
    printer::host_state state() const;
    bool job_active() const { return job_.has_value(); }
    const std::string& port() const { return port_; }
    const printer_profile& profile() const { return config_.profile; }

    nlohmann::json state_json() const;
    nlohmann::json temperatures_json() const;
    nlohmann::json job_json() const;
    nlohmann::json connection_json() const;

    void subscribe(std::function<void(const push_message&)> listener);
    // Asked for every terminal line: when it says false (no WebSocket client), the line is not
    // kept for a push.
    void set_terminal_wanted(std::function<bool()> wanted) { terminal_wanted_ = std::move(wanted); }
    // The wire envelope shared by pushes and command replies.
    nlohmann::json envelope(const std::string& type, nlohmann::json data, const nlohmann::json& id = nullptr) const;

private:
    // A printer is connected and no job runs; else false with the reason in `why`.
    bool can_start_job(std::string& why) const;

    struct running_job {
        std::string file;  // as shown to the user
        std::string user;
        std::int64_t history_id = 0;
        std::chrono::steady_clock::time_point started{};
        std::optional<double> estimate_s;
        std::vector<double> layer_z;
        std::uint64_t layer_count = 0;
        double filament_mm = 0;
        double hotend_max = 0, bed_max = 0;
        printer::job_progress progress;
        std::chrono::steady_clock::time_point last_checkpoint{};
        std::chrono::steady_clock::time_point last_push{};
        bool sd = false;         // printed by the firmware from its SD card
        bool sd_paused = false;
    };

    printer::host_callbacks callbacks();
    void on_progress(const printer::job_progress& p);
    void on_job_done(const printer::job_result& r);
    void on_host_state(printer::host_state s, const std::string& reason);
    void on_host_event(const printer::host_event& e);
    void on_sd_progress(std::uint64_t done, std::uint64_t total);
    void finish_sd_job(printer::job_status status, const std::string& reason);
    void on_temperatures(const std::vector<printer::heater_reading>& t);
    void on_terminal(bool sent, const std::string& line);
    void flush_terminal();
    void publish(const std::string& topic, const std::string& type, nlohmann::json data);
    void retire_host();
    std::optional<std::uint64_t> current_layer() const;
    std::optional<double> time_left_s() const;

    boost::asio::any_io_executor ex_;
    edge_config config_;
    history_store& history_;
    const clock& clock_;
    std::unique_ptr<printer::printer_host> host_;
    // Stopped hosts live on until their coroutines have seen the stop (they wake every 50 ms).
    std::vector<std::unique_ptr<printer::printer_host>> retired_;
    boost::asio::steady_timer reaper_;
    std::string port_;
    unsigned baud_ = 0;
    std::string last_reason_;
    std::vector<printer::heater_reading> temps_;
    std::chrono::steady_clock::time_point last_temp_push_{};
    std::optional<running_job> job_;
    std::vector<printer::sd_file> sd_files_;
    bool sd_listed_ = false;
    bool sd_list_asked_ = false;  // since the printer last connected
    std::optional<nlohmann::json> last_job_result_;
    std::vector<std::function<void(const push_message&)>> listeners_;
    // Terminal lines go out in batches (a job sends and receives hundreds a second): one
    // push per batch instead of one per line, for every client.
    std::string terminal_;  // the batch's lines as JSON objects, comma-separated
    std::function<bool()> terminal_wanted_;
    std::size_t terminal_lines_ = 0;
    boost::asio::steady_timer terminal_timer_;
    bool terminal_timer_armed_ = false;
};

}  // namespace printgate::edge
