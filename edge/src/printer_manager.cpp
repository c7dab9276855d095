#include "printgate/edge/printer_manager.hpp"

#include "printgate/edge/history_store.hpp"
#include "printgate/printer/gcode_analysis.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace printgate::edge {

namespace net = boost::asio;
using namespace printgate::printer;

namespace {

std::int64_t wall_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::int64_t wall_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

printer_manager::printer_manager(net::any_io_executor ex, const edge_config& config, history_store& history,
                                 const clock& clk)
    : ex_(ex), config_(config), history_(history), clock_(clk), reaper_(ex), terminal_timer_(ex) {}

printer_manager::~printer_manager() { stop(); }

void printer_manager::start() {
    if (int n = history_.mark_interrupted(wall_now()); n > 0)
        spdlog::warn("{} job(s) were interrupted when the edge last stopped; see the history", n);
    if (config_.auto_connect && !config_.printer_port.empty()) {
        std::string why;
        if (!connect(config_.printer_port, config_.baud, why)) spdlog::warn("auto-connect: {}", why);
    }
}

void printer_manager::stop() {
    if (host_) {
        host_->stop();
        retire_host();
    }
}

void printer_manager::retire_host() {
    retired_.push_back(std::move(host_));
    reaper_.expires_after(std::chrono::milliseconds(500));
    reaper_.async_wait([this](boost::system::error_code ec) {
        if (!ec) retired_.clear();
    });
}

host_callbacks printer_manager::callbacks() {
    host_callbacks cb;
    cb.on_state = [this](host_state s, const std::string& reason) { on_host_state(s, reason); };
    cb.on_event = [this](const host_event& e) { on_host_event(e); };
    cb.on_temperatures = [this](const std::vector<heater_reading>& t) { on_temperatures(t); };
    cb.on_terminal = [this](bool sent, const std::string& line) { on_terminal(sent, line); };
    cb.on_progress = [this](const job_progress& p) { on_progress(p); };
    cb.on_job_done = [this](const job_result& r) { on_job_done(r); };
    cb.on_sd_files = [this](const std::vector<sd_file>& files) {
        sd_files_ = files;
        sd_listed_ = true;
        nlohmann::json list = nlohmann::json::array();
        for (const auto& f : sd_files_) list.push_back({{"name", f.name}, {"size", f.size}});
        publish("sd_files", "status", {{"topic", "sd_files"}, {"files", std::move(list)}});
    };
    cb.on_sd_progress = [this](std::uint64_t done, std::uint64_t total) { on_sd_progress(done, total); };
    return cb;
}

void printer_manager::on_host_state(host_state s, const std::string& reason) {
    last_reason_ = reason;
    if (s == host_state::operational && !sd_list_asked_ && host_ && host_->firmware().has("SDCARD")) {
        // Once per connection (the host is ready for commands when it reports operational).
        sd_list_asked_ = true;
        std::string why;
        if (!refresh_sd_files(why)) spdlog::info("SD card list: {}", why);
    }
    if (s == host_state::disconnected || s == host_state::error || s == host_state::connecting) {
        sd_list_asked_ = false;
        sd_listed_ = false;
        sd_files_.clear();
        if (job_ && job_->sd)
            finish_sd_job(job_status::interrupted,
                          "the connection to the printer was lost during an SD card print (" + reason +
                              "); the printer may still be printing from its card");
    }
    publish("state", "status", state_json());
    if (s == host_state::disconnected || s == host_state::error)
        publish("event", "event", {{"event", s == host_state::error ? "error" : "disconnected"}, {"message", reason}});
}

void printer_manager::on_host_event(const host_event& e) {
    publish("event", "event", {{"event", to_string(e.what)}, {"message", e.message}});
    if (!job_ || !job_->sd) return;
    if (e.what == host_event::kind::sd_done) finish_sd_job(job_status::completed, "");
    else if (e.what == host_event::kind::firmware_error && e.message.starts_with("open failed"))
        finish_sd_job(job_status::failed, "the printer could not open the file on its SD card (" + e.message + ")");
    else if (e.what == host_event::kind::firmware_reset || e.what == host_event::kind::alert)
        finish_sd_job(job_status::failed, e.message);
}

bool printer_manager::connect(const std::string& port, unsigned baud, std::string& why) {
    if (port.empty()) {
        why = "no port given";
        return false;
    }
    if (host_) {
        if (job_) {
            why = "a job is running; cancel it before reconnecting";
            return false;
        }
        host_->stop();
        retire_host();
    }
    host_config hc;
    hc.port = port;
    hc.baud = baud;
    hc.window.mode = config_.flow == "one-line" ? flow_mode::one_line : flow_mode::windowed;
    hc.window.rx_buffer_bytes = config_.rx_buffer;
    hc.extruders = config_.profile.extruders;
    hc.auto_reconnect = true;
    port_ = port;
    baud_ = baud;
    host_ = std::make_unique<printer_host>(ex_, hc, callbacks(), clock_);
    host_->start();
    return true;
}

void printer_manager::disconnect() {
    if (!host_) return;
    host_->stop();
    retire_host();
    temps_.clear();
    publish("state", "status", state_json());
}

host_state printer_manager::state() const {
    const auto s = host_ ? host_->state() : host_state::disconnected;
    if (s == host_state::operational && job_ && job_->sd) return job_->sd_paused ? host_state::paused : host_state::printing;
    return s;
}

bool printer_manager::refresh_sd_files(std::string& why) {
    if (!host_) {
        why = "no printer is connected";
        return false;
    }
    if (!host_->firmware().has("SDCARD")) {
        why = "the printer reports no SD card support";
        return false;
    }
    return host_->sd_list(why);
}

bool printer_manager::can_start_job(std::string& why) const {
    if (!host_) {
        why = "no printer is connected";
        return false;
    }
    if (job_) {
        why = "a job is already running";
        return false;
    }
    return true;
}

bool printer_manager::start_sd_print(const std::string& name, const std::string& user, std::string& why) {
    if (!can_start_job(why)) return false;
    if (!host_->firmware().has("SDCARD")) {
        why = "the printer has no SD card (its firmware reports no SD support)";
        return false;
    }
    // Only a name the firmware listed: M23 takes the rest of its line as the name.
    auto same = [&](const sd_file& f) {
        return f.name.size() == name.size() && std::equal(f.name.begin(), f.name.end(), name.begin(), [](char a, char b) {
                   return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
               });
    };
    auto it = std::find_if(sd_files_.begin(), sd_files_.end(), same);
    if (it == sd_files_.end()) {
        why = sd_listed_ ? "no such file on the SD card" : "the SD card has not been listed yet";
        return false;
    }
    const auto file = *it;
    if (!host_->sd_print(file.name, why)) return false;
    running_job job;
    job.sd = true;
    job.file = file.name;
    job.user = user;
    job.started = clock_.now();
    job.progress.bytes_total = file.size;
    job.history_id = history_.begin_job(file.name, user, wall_now(), "sdcard");
    job.last_checkpoint = job.started;
    job_ = std::move(job);
    last_job_result_.reset();
    publish("job", "event", {{"event", "print_started"}, {"file", file.name}, {"origin", "sdcard"}, {"user", user}});
    publish("state", "status", state_json());
    return true;
}

void printer_manager::on_sd_progress(std::uint64_t done, std::uint64_t total) {
    if (!job_ || !job_->sd) return;
    auto p = job_->progress;
    p.bytes_acked = done;
    if (total) p.bytes_total = total;
    on_progress(p);
}

void printer_manager::finish_sd_job(job_status status, const std::string& reason) {
    if (!job_ || !job_->sd) return;
    job_result r;
    r.status = status;
    r.reason = reason;
    r.file = job_->file;
    r.progress = job_->progress;
    if (status == job_status::completed) r.progress.bytes_acked = r.progress.bytes_total;
    r.elapsed = clock_.now() - job_->started;
    on_job_done(r);
}

bool printer_manager::start_print(const std::filesystem::path& file, const std::string& display_name,
                                  const std::string& user, std::string& why) {
    if (!can_start_job(why)) return false;
    std::error_code ec;
    auto streamer = job_streamer::open(file, ec, why);
    if (!streamer) return false;
    running_job job;
    if (auto analysis = analyze_gcode_file(file); analysis) {
        job.estimate_s = analysis.analysis->estimates.print_time_s;
        for (const auto& l : analysis.analysis->layers) job.layer_z.push_back(l.z);
        job.layer_count = analysis.analysis->layer_count;
        job.filament_mm = analysis.analysis->extruded_mm;
    }
    job.progress = streamer->progress();
    if (!host_->start_job(std::move(streamer), why)) return false;
    job.file = display_name;
    job.user = user;
    job.started = clock_.now();
    job.history_id = history_.begin_job(display_name, user, wall_now());
    job.last_checkpoint = job.started;
    job_ = std::move(job);
    last_job_result_.reset();
    publish("job", "event", {{"event", "print_started"}, {"file", display_name}, {"user", user}});
    return true;
}

bool printer_manager::pause(std::string& why) {
    if (!host_ || !job_) {
        why = "no job is running";
        return false;
    }
    if (job_->sd) {
        if (!host_->sd_pause(why)) return false;
        job_->sd_paused = true;
        publish("state", "status", state_json());
    } else if (!host_->pause_job(why)) {
        return false;
    }
    publish("job", "event", {{"event", "print_paused"}, {"file", job_->file}});
    return true;
}

bool printer_manager::resume(std::string& why) {
    if (!host_ || !job_) {
        why = "no job is running";
        return false;
    }
    if (job_->sd) {
        if (!host_->sd_resume(why)) return false;
        job_->sd_paused = false;
        publish("state", "status", state_json());
    } else if (!host_->resume_job(why)) {
        return false;
    }
    publish("job", "event", {{"event", "print_resumed"}, {"file", job_->file}});
    return true;
}

bool printer_manager::cancel(std::string& why) {
    if (!host_ || !job_) {
        why = "no job is running";
        return false;
    }
    if (job_->sd) {
        // M524 closes the file and stops the motion; the firmware says nothing more about it.
        if (!host_->sd_abort(why)) return false;
        finish_sd_job(job_status::cancelled, "cancelled");
        return true;
    }
    return host_->cancel_job(why);
}

bool printer_manager::send_gcode(const std::string& command, std::string& why) {
    if (!host_) {
        why = "no printer is connected";
        return false;
    }
    return host_->send_command(command, why);
}

void printer_manager::on_temperatures(const std::vector<heater_reading>& t) {
    temps_ = t;
    if (job_) {
        for (const auto& h : t) {
            if (h.name == "B") job_->bed_max = std::max(job_->bed_max, h.actual);
            else if (!h.name.empty() && h.name[0] == 'T') job_->hotend_max = std::max(job_->hotend_max, h.actual);
        }
    }
    // At most 2 Hz to clients, whatever the firmware reports.
    const auto now = clock_.now();
    if (now - last_temp_push_ < std::chrono::milliseconds(500)) return;
    last_temp_push_ = now;
    publish("temperatures", "status", temperatures_json());
}

void printer_manager::on_progress(const job_progress& p) {
    if (!job_) return;
    job_->progress = p;
    const auto now = clock_.now();
    if (now - job_->last_checkpoint >= std::chrono::milliseconds(config_.checkpoint_interval_ms)) {
        job_->last_checkpoint = now;
        history_.checkpoint(job_->history_id, p.file_line_acked, p.z_known ? std::optional<double>(p.z) : std::nullopt,
                            job_->hotend_max, job_->bed_max);
    }
    if (now - job_->last_push >= std::chrono::milliseconds(500)) {
        job_->last_push = now;
        publish("progress", "status", job_json());
    }
}

void printer_manager::on_job_done(const job_result& r) {
    if (!job_) return;
    job_->progress = r.progress;
    history_row row;
    row.id = job_->history_id;
    row.status = to_string(r.status);
    row.ended_at = wall_now();
    row.print_time_s = std::chrono::duration<double>(r.elapsed).count();
    row.filament_mm = job_->filament_mm * r.progress.fraction();
    row.hotend_max = job_->hotend_max;
    row.bed_max = job_->bed_max;
    row.cause = r.reason;
    row.last_line = r.progress.file_line_acked;
    if (r.progress.z_known) row.last_z = r.progress.z;
    history_.finish_job(row);
    nlohmann::json result = {{"file", job_->file},
                             {"origin", job_->sd ? "sdcard" : "local"},
                             {"status", row.status},
                             {"reason", r.reason},
                             {"history_id", row.id},
                             {"last_line", row.last_line},
                             {"print_time_s", row.print_time_s}};
    const char* event = r.status == job_status::completed   ? "print_done"
                        : r.status == job_status::cancelled ? "print_cancelled"
                                                            : "print_failed";
    job_.reset();
    last_job_result_ = result;
    result["event"] = event;
    publish("job", "event", result);
    publish("state", "status", state_json());
}

std::optional<std::uint64_t> printer_manager::current_layer() const {
    if (!job_ || !job_->progress.z_known || job_->layer_z.empty()) return std::nullopt;
    const double z = job_->progress.z + 1e-6;
    auto it = std::upper_bound(job_->layer_z.begin(), job_->layer_z.end(), z);
    return static_cast<std::uint64_t>(it - job_->layer_z.begin());
}

std::optional<double> printer_manager::time_left_s() const {
    if (!job_) return std::nullopt;
    const double f = job_->progress.fraction();
    const double elapsed = std::chrono::duration<double>(clock_.now() - job_->started).count();
    std::optional<double> by_rate;
    if (f > 0.001 && elapsed > 0) by_rate = elapsed * (1 - f) / f;
    if (!job_->estimate_s) return by_rate;
    const double by_slicer = *job_->estimate_s * (1 - f);
    if (!by_rate) return by_slicer;
    // Trust the slicer at the start and the measured rate more as the job goes on.
    return (1 - f) * by_slicer + f * *by_rate;
}

nlohmann::json printer_manager::state_json() const {
    return {{"topic", "state"},
            {"state", to_string(state())},
            {"reason", last_reason_},
            {"port", port_},
            {"job_active", job_.has_value()},
            {"paused", state() == host_state::paused}};
}

nlohmann::json printer_manager::temperatures_json() const {
    nlohmann::json heaters = nlohmann::json::object();
    for (const auto& h : temps_)
        heaters[h.name] = {{"actual", h.actual}, {"target", h.target ? nlohmann::json(*h.target) : nlohmann::json(nullptr)}};
    return {{"topic", "temperatures"}, {"heaters", heaters}};
}

nlohmann::json printer_manager::job_json() const {
    if (!job_) return {{"topic", "progress"}, {"active", false}, {"last", last_job_result_ ? *last_job_result_ : nlohmann::json(nullptr)}};
    const auto& p = job_->progress;
    const double elapsed = std::chrono::duration<double>(clock_.now() - job_->started).count();
    auto layer = current_layer();
    auto left = time_left_s();
    return {{"topic", "progress"},
            {"active", true},
            {"file", job_->file},
            {"origin", job_->sd ? "sdcard" : "local"},
            {"user", job_->user},
            {"history_id", job_->history_id},
            {"state", to_string(state())},
            {"fraction", p.fraction()},
            {"bytes_total", p.bytes_total},
            {"bytes_acked", p.bytes_acked},
            {"commands_acked", p.commands_acked},
            {"file_line", p.file_line_acked},
            {"z", p.z_known ? nlohmann::json(p.z) : nlohmann::json(nullptr)},
            {"layer", layer ? nlohmann::json(*layer) : nlohmann::json(nullptr)},
            {"layer_count", job_->layer_count},
            {"elapsed_s", elapsed},
            {"estimate_s", job_->estimate_s ? nlohmann::json(*job_->estimate_s) : nlohmann::json(nullptr)},
            {"time_left_s", left ? nlohmann::json(*left) : nlohmann::json(nullptr)}};
}

nlohmann::json printer_manager::connection_json() const {
    nlohmann::json j = {{"port", port_}, {"state", to_string(state())}, {"baud", host_ ? host_->baud() : 0u}};
    if (host_) {
        j["firmware"] = host_->firmware().name;
        j["capabilities"] = host_->firmware().capabilities;
    }
    return j;
}

namespace {
constexpr std::size_t terminal_batch_lines = 200;
constexpr auto terminal_batch_time = std::chrono::milliseconds(250);
}  // namespace

namespace {

// `s` as a JSON string. Firmware lines are ASCII: control characters, quotes and backslashes
// are escaped here; a line with other bytes goes through nlohmann (invalid UTF-8 replaced).
void append_json_string(std::string& out, std::string_view s) {
    for (unsigned char c : s)
        if (c >= 0x80) {
            out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            return;
        }
    out += '"';
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

}  // namespace

void printer_manager::on_terminal(bool sent, const std::string& line) {
    if (listeners_.empty()) return;
    // Whether any client wants terminal lines is asked once per batch, not twice per printed
    // line; a batch already started is finished (at most 250 ms) and goes to whoever wants it.
    if (terminal_lines_ == 0 && terminal_wanted_ && !terminal_wanted_()) return;
    if (terminal_lines_++ > 0) terminal_ += ',';
    terminal_ += sent ? R"({"direction":"sent","line":)" : R"({"direction":"received","line":)";
    append_json_string(terminal_, line);
    terminal_ += '}';
    if (terminal_lines_ >= terminal_batch_lines) {
        flush_terminal();
    } else if (!terminal_timer_armed_) {
        terminal_timer_armed_ = true;
        terminal_timer_.expires_after(terminal_batch_time);
        terminal_timer_.async_wait([this](boost::system::error_code ec) {
            if (ec) return;
            terminal_timer_armed_ = false;
            flush_terminal();
        });
    }
}

void printer_manager::flush_terminal() {
    if (terminal_lines_ == 0) return;
    // The same envelope as envelope("status", {"topic", "lines"}), written as text.
    push_message m{"terminal", nullptr, {}};
    m.text.reserve(terminal_.size() + 128);
    m.text += R"({"data":{"lines":[)";
    m.text += terminal_;
    m.text += R"(],"topic":"terminal"},"printer_id":)";
    append_json_string(m.text, config_.printer_id);
    m.text += R"(,"timestamp":)";
    m.text += std::to_string(wall_now_ms());
    m.text += R"(,"type":"status"})";
    terminal_.clear();
    terminal_lines_ = 0;
    for (const auto& l : listeners_) l(m);
}

void printer_manager::subscribe(std::function<void(const push_message&)> listener) {
    listeners_.push_back(std::move(listener));
}

nlohmann::json printer_manager::envelope(const std::string& type, nlohmann::json data, const nlohmann::json& id) const {
    nlohmann::json m = {{"type", type}, {"timestamp", wall_now_ms()}, {"printer_id", config_.printer_id}, {"data", std::move(data)}};
    if (!id.is_null()) m["id"] = id;
    return m;
}

void printer_manager::publish(const std::string& topic, const std::string& type, nlohmann::json data) {
    if (listeners_.empty()) return;
    push_message m{topic, envelope(type, std::move(data))};
    for (const auto& l : listeners_) l(m);
}

}  // namespace printgate::edge
