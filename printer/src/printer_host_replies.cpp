// printer_host: what the firmware says, line by line.
#include "printgate/printer/gcode_line.hpp"
#include "printgate/printer/link.hpp"
#include "printgate/printer/printer_host.hpp"

#include <spdlog/spdlog.h>

#include <charconv>

namespace printgate::printer {

namespace {

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// Errors that only announce the Resend that follows them.
bool is_resend_preamble(std::string_view text) {
    return contains(text, "checksum mismatch") || contains(text, "Line Number is not") ||
           contains(text, "No Checksum") || contains(text, "No Line Number") || contains(text, "Line Number");
}

}  // namespace

void printer_host::handle_line(std::string_view line) {
    if (cb_.on_terminal) cb_.on_terminal(false, std::string(line));
    const firmware_reply reply = parse_reply(line);
    // Autoreported temperatures and chatter say nothing about our lines: only answers
    // and keepalives hold off the communication timeout.
    if (reply.what == firmware_reply::kind::ok || reply.what == firmware_reply::kind::resend ||
        reply.what == firmware_reply::kind::busy || reply.what == firmware_reply::kind::start)
        last_rx_ = clock_.now();
    last_was_busy_ = reply.what == firmware_reply::kind::busy;
    switch (reply.what) {
    case firmware_reply::kind::ok: handle_ok(reply, line); break;
    case firmware_reply::kind::resend: handle_resend(reply); break;
    case firmware_reply::kind::busy: {
        const auto now = clock_.now();
        const auto gap = std::chrono::duration_cast<milliseconds>(now - last_busy_);
        if (gap > milliseconds(200) && gap < seconds(30)) busy_interval_ = gap;
        last_busy_ = now;
        break;
    }
    case firmware_reply::kind::wait:
        // Marlin says "wait" only after its queue sat empty for a while: whatever we
        // think is in flight was lost, so probe now instead of after the full timeout.
        if (phase_ == phase::ready && sender_.lines_in_flight() > 0)
            on_timeout("the firmware is waiting for input while " + std::to_string(sender_.lines_in_flight()) +
                       " lines are unanswered");
        break;
    case firmware_reply::kind::start: handle_start(); break;
    case firmware_reply::kind::error:
        if (is_resend_preamble(reply.text))
            spdlog::debug("firmware: {}", reply.text);
        else
            emit(host_event::kind::firmware_error, "firmware error: " + reply.text);
        break;
    case firmware_reply::kind::fatal: handle_fatal(reply.text); break;
    case firmware_reply::kind::action: handle_action(reply); break;
    case firmware_reply::kind::temperature:
        if (auto readings = parse_temperatures(line)) handle_temperatures(*readings);
        break;
    case firmware_reply::kind::firmware_info:
        for (auto& [key, value] : parse_firmware_info(line)) {
            if (key == "FIRMWARE_NAME") {
                firmware_.name = value;
                identify_heard_ = true;
            }
            firmware_.info[key] = value;
        }
        break;
    case firmware_reply::kind::capability: firmware_.capabilities[reply.text] = reply.flag; break;
    case firmware_reply::kind::other:
        if (pause_position_pending_) {
            if (auto pos = parse_position(line)) paused_at_ = pos;
        }
        if (line.starts_with("echo:Unknown command"))
            emit(host_event::kind::warning, std::string(line.substr(5)));
        handle_sd_line(line);
        break;
    }
}

void printer_host::handle_ok(const firmware_reply& reply, std::string_view line) {
    consecutive_timeouts_ = 0;
    if (phase_ == phase::hello) {
        // Some answer: the firmware listens. This ok may still be stale (an answer to a
        // line fragment left in the board's buffer by a reset), so nothing is counted on
        // it: identify resets the numbering and synchronises on M115's own reply.
        spdlog::info("printer answered on {}{}", config_.port, baud_ ? " at " + std::to_string(baud_) + " baud" : "");
        resynchronise();
        return;
    }
    if (phase_ == phase::identify) {
        // Only the ok that closes M115's reply (FIRMWARE_NAME, Cap: lines) counts; oks
        // before it answer stale fragments or the hello. From then on every ok answers
        // one of our lines (the firmware works in order): reset the numbering, whatever
        // became of the hello's M110, and start numbered lines after its ok.
        if (!identify_heard_) return;
        if (!numbering_reset_sent_) {
            numbering_reset_sent_ = true;
            raw_out_.push_back("M110 N0\n");
            wake_writer();
            return;
        }
        finish_identify();
        return;
    }
    if (auto readings = parse_temperatures(line)) handle_temperatures(*readings);
    auto ack = sender_.on_ok(reply.buffer_free,
                             reply.has_line_number ? std::optional<std::uint32_t>(reply.line_number) : std::nullopt);
    if (ack) {
        // The firmware works in order: this ok also settles every earlier line.
        while (!long_running_.empty() && long_running_.begin()->first <= ack->number)
            long_running_.erase(long_running_.begin());
        while (!ok_actions_.empty() && ok_actions_.begin()->first <= ack->number) {
            auto action = std::move(ok_actions_.begin()->second);
            ok_actions_.erase(ok_actions_.begin());
            if (action) action();
        }
        if (job_ && ack->tag_high > job_tag_base_) {
            job_->acknowledge_through(ack->tag_high - job_tag_base_);
            if (!job_pending_ && job_->all_acknowledged() && state_ == host_state::printing)
                finish_job(job_status::completed, {});
        }
    }
    wake_writer();
}

void printer_host::handle_resend(const firmware_reply& reply) {
    // Before identify completes no numbered line is out: a Resend refers to a stale
    // fragment and the unnumbered M110 resets the numbering anyway.
    if (phase_ != phase::ready) return;
    const std::uint32_t n = reply.line_number;
    switch (sender_.on_resend(n)) {
    case line_sender::resend_result::rewound:
        emit(host_event::kind::resend, "the printer asked for line " + std::to_string(n) + " again");
        break;
    case line_sender::resend_result::duplicate:
        spdlog::debug("resend request for line {} repeated by a line already in flight", n);
        break;
    case line_sender::resend_result::unknown_line: {
        // Re-sending a line the firmware already ran, or one we no longer have, would
        // print garbage: stop the job in order and start counting lines afresh.
        const std::string why = "the printer asked for line " + std::to_string(n) + ", which " +
                                (n <= sender_.last_number() ? "was already acknowledged or is older than the resend history"
                                                            : "was never sent");
        emit(host_event::kind::alert, why + "; stopping the job");
        if (job_) finish_job(job_status::failed, why);
        commands_.clear();
        ok_actions_.clear();
        long_running_.clear();
        // Resends and oks for lines of the old numbering are still on their way: count
        // afresh only once the firmware has provably caught up, as after a handshake.
        resynchronise();
        for (int t = 0; t < config_.extruders; ++t) enqueue("M104 T" + std::to_string(t) + " S0");
        enqueue("M140 S0");
        enqueue("M107");
        break;
    }
    case line_sender::resend_result::too_many:
        emergency_stop("line " + std::to_string(n) + " was rejected " +
                       std::to_string(config_.window.max_resends_per_line) +
                       " times in a row; the serial link is too unreliable to continue");
        break;
    }
    wake_writer();
}

void printer_host::handle_fatal(const std::string& text) {
    const bool first = !halted_;
    halted_ = true;
    emit(host_event::kind::alert, "the firmware stopped: " + text);
    if (job_) finish_job(job_status::failed, "the firmware stopped: " + text);
    set_state(host_state::error, text);
    if (first) {
        // Let the firmware's last lines arrive, then let go of the port.
        close_pending_ = true;
        close_at_ = clock_.now() + milliseconds(300);
    }
}

void printer_host::handle_start() {
    if (phase_ == phase::hello) {
        last_hello_ = {};  // the firmware just booted: greet it now
        return;
    }
    emit(host_event::kind::firmware_reset, "the printer's firmware restarted");
    if (job_) {
        finish_job(job_status::interrupted, "the printer's firmware restarted after command " +
                                                std::to_string(job_->progress().commands_acked) + " (file line " +
                                                std::to_string(job_->progress().file_line_acked) + ")");
    }
    begin_handshake();
}

void printer_host::handle_action(const firmware_reply& reply) {
    emit(host_event::kind::action, "printer action: " + reply.text + (reply.argument.empty() ? "" : " " + reply.argument));
    std::string ignored;
    if (reply.text == "pause" || reply.text == "out_of_filament")
        pause_job(ignored);
    else if (reply.text == "resume")
        resume_job(ignored);
    else if (reply.text == "cancel")
        cancel_job(ignored);
    else if (reply.text == "disconnect")
        close_link();
}

void printer_host::handle_temperatures(const std::vector<heater_reading>& readings) {
    temperatures_ = readings;
    if (cb_.on_temperatures) cb_.on_temperatures(temperatures_);
    bool stop = false;
    std::string why;
    for (const auto& h : readings) {
        // Lines printed while M109/M190 wait carry no target: the last one still holds.
        if (h.target) targets_[h.name] = *h.target;
        auto known = targets_.find(h.name);
        const double target = known != targets_.end() ? known->second : 0.0;
        for (const auto& e : watchdog_.on_reading(h.name, h.actual, target)) {
            emit(host_event::kind::alert, "thermal watchdog: " + e.message);
            if (e.action == thermal_action::stop && !stop) {
                stop = true;
                why = e.message;
            }
        }
    }
    if (!stop || halted_ || phase_ != phase::ready) return;
    // A controlled stop: the job ends and every heater goes off ahead of anything queued.
    if (job_) finish_job(job_status::failed, "thermal watchdog: " + why);
    commands_.clear();
    enqueue("M140 S0", {}, true);
    for (int t = config_.extruders - 1; t >= 0; --t) enqueue("M104 T" + std::to_string(t) + " S0", {}, true);
}

void printer_host::note_target(const std::string& word, const std::string& command) {
    std::string heater;
    if (word == "M104" || word == "M109") {
        double tool = 0;
        heater = "T" + std::to_string(find_parameter(command, 'T', tool) ? static_cast<int>(tool) : 0);
    } else if (word == "M140" || word == "M190") {
        heater = "B";
    } else if (word == "M141" || word == "M191") {
        heater = "C";
    } else {
        return;
    }
    double target = 0;
    if (find_parameter(command, 'S', target) || find_parameter(command, 'R', target)) watchdog_.on_target_set(heater, target);
}

void printer_host::handle_sd_line(std::string_view line) {
    if (line == "Begin file list") {
        sd_listing_ = true;
        sd_files_.clear();
        return;
    }
    if (line == "End file list") {
        sd_listing_ = false;
        if (cb_.on_sd_files) cb_.on_sd_files(sd_files_);
        return;
    }
    if (sd_listing_) {
        if (sd_files_.size() >= 4096) return;
        sd_file f;
        auto space = line.rfind(' ');
        f.name = std::string(line.substr(0, space));
        if (space != std::string_view::npos) {
            auto size = line.substr(space + 1);
            auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), f.size);
            if (ec != std::errc{}) f.name = std::string(line);
        }
        // Marlin's EXTENDED_M20 adds the long name after the size; keep the 8.3 name.
        if (auto sp = f.name.find(' '); sp != std::string::npos && f.size == 0) f.name = f.name.substr(0, sp);
        sd_files_.push_back(std::move(f));
        return;
    }
    if (line.starts_with("SD printing byte ")) {
        std::string_view rest = line.substr(17);
        auto slash = rest.find('/');
        std::uint64_t done = 0, total = 0;
        if (slash != std::string_view::npos) {
            std::from_chars(rest.data(), rest.data() + slash, done);
            std::from_chars(rest.data() + slash + 1, rest.data() + rest.size(), total);
            sd_printing_ = true;
            if (cb_.on_sd_progress) cb_.on_sd_progress(done, total);
        }
        return;
    }
    if (line.starts_with("Done printing file")) {
        sd_printing_ = false;
        if (firmware_.has("AUTOREPORT_SD_STATUS")) enqueue("M27 S0");
        emit(host_event::kind::sd_done, "the printer finished printing from its SD card");
        return;
    }
    if (line.starts_with("open failed")) {
        sd_printing_ = false;
        emit(host_event::kind::firmware_error, std::string(line));
    }
}

void printer_host::resynchronise() {
    phase_ = phase::identify;
    phase_since_ = clock_.now();
    identify_heard_ = false;
    numbering_reset_sent_ = false;
    sender_.reset_numbering();
    // Unnumbered, so that a firmware still counting old line numbers cannot reject it.
    raw_out_.push_back("M115\n");
    wake_writer();
}

void printer_host::finish_identify() {
    autoreport_ = firmware_.has("AUTOREPORT_TEMP");
    const bool marlin = firmware_.name.find("Marlin") != std::string::npos;
    compact_ = config_.compact_moves && marlin;
    marlin_window_ = config_.marlin_window && marlin;
    if (autoreport_) {
        auto s = std::chrono::duration_cast<seconds>(config_.temperature_interval).count();
        enqueue("M155 S" + std::to_string(s < 1 ? 1 : s));
    }
    phase_ = phase::ready;
    // A resynchronisation after an aborted job is not a new connection.
    if (state_ != host_state::connecting) return;
    set_state(host_state::operational);
    emit(host_event::kind::connected,
         "connected to " + (firmware_.name.empty() ? std::string("a printer") : firmware_.name) + " on " + config_.port +
             (baud_ ? " at " + std::to_string(baud_) + " baud" : "") +
             (firmware_.has("ADVANCED_OK") ? " (ADVANCED_OK)" : "") + (autoreport_ ? " (temperature autoreport)" : ""));
}

}  // namespace printgate::printer
