// printer_host: what the user asks for: commands, jobs, pause/resume/cancel,
// emergency stop, SD card printing.
#include "printgate/printer/gcode_line.hpp"
#include "printgate/printer/link.hpp"
#include "printgate/printer/printer_host.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace printgate::printer {

bool printer_host::ready_for_commands(std::string& why) const {
    if (halted_) {
        why = "the printer is halted; reconnect to reset it";
        return false;
    }
    if (phase_ != phase::ready) {
        why = "the printer is not connected";
        return false;
    }
    return true;
}

bool printer_host::drained() const {
    if (phase_ == phase::closed) return true;
    if (phase_ != phase::ready) return false;  // a handshake is under way
    return raw_out_.empty() && commands_.empty() && sender_.lines_in_flight() == 0 && !close_pending_;
}

bool printer_host::send_command(std::string command, std::string& why) {
    if (!ready_for_commands(why)) return false;
    auto stripped = strip_gcode(command);
    if (stripped.empty()) {
        why = "empty command";
        return false;
    }
    if (stripped.size() > 256) {
        why = "command longer than 256 characters";
        return false;
    }
    if (command_word(stripped) == "M112") {
        emergency_stop("M112 sent by the user");
        return true;
    }
    enqueue(std::string(stripped));
    return true;
}

bool printer_host::start_job(std::unique_ptr<job_streamer> job, std::string& why) {
    if (!ready_for_commands(why)) return false;
    if (job_ || state_ != host_state::operational) {
        why = std::string("cannot start a job while ") + to_string(state_);
        return false;
    }
    if (sd_printing_) {
        why = "the printer is printing from its SD card";
        return false;
    }
    job_ = std::move(job);
    job_pending_.reset();
    job_tag_base_ = sender_.tag_high_sent();
    job_started_ = clock_.now();
    job_pause_requested_ = false;
    paused_at_.reset();
    emit(host_event::kind::info, "printing " + job_->path().filename().string());
    set_state(host_state::printing, job_->path().filename().string());
    wake_writer();
    return true;
}

bool printer_host::pause_job(std::string& why) {
    if (!job_ || state_ != host_state::printing) {
        why = "no job is printing";
        return false;
    }
    // Stop feeding the job, let the moves already planned finish, note where the head
    // is, then retract, lift and park so the part is safe while paused.
    job_pause_requested_ = true;
    watchdog_.set_paused(true);
    set_state(host_state::pausing);
    pause_position_pending_ = true;
    paused_at_.reset();
    enqueue("M400");
    enqueue("M114", [this] { do_pause_park(); });
    return true;
}

void printer_host::do_pause_park() {
    pause_position_pending_ = false;
    if (!job_ || state_ != host_state::pausing) return;
    enqueue("G91");
    enqueue(fmt::format("G1 E-{:.3f} F2400", config_.pause_retract_mm));
    enqueue(fmt::format("G1 Z{:.3f} F600", config_.pause_lift_mm));
    enqueue("G90");
    if (config_.park_x && config_.park_y) enqueue(fmt::format("G1 X{:.3f} Y{:.3f} F6000", *config_.park_x, *config_.park_y));
    enqueue("M400", [this] {
        if (job_ && state_ == host_state::pausing) set_state(host_state::paused);
    });
}

bool printer_host::resume_job(std::string& why) {
    if (!job_ || (state_ != host_state::paused && state_ != host_state::pausing)) {
        why = "no job is paused";
        return false;
    }
    if (state_ == host_state::pausing) {
        why = "the job is still pausing";
        return false;
    }
    const job_modes& m = job_->modes();
    enqueue("G90");
    if (paused_at_) {
        if (config_.park_x && config_.park_y) enqueue(fmt::format("G1 X{:.3f} Y{:.3f} F6000", paused_at_->x, paused_at_->y));
        enqueue(fmt::format("G1 Z{:.3f} F600", paused_at_->z));
    }
    enqueue("G91");
    enqueue(fmt::format("G1 E{:.3f} F2400", config_.pause_retract_mm));
    enqueue(m.relative_xyz ? "G91" : "G90");
    enqueue(m.relative_e ? "M83" : "M82");
    if (m.feedrate) enqueue(fmt::format("G1 F{:.0f}", *m.feedrate));
    job_pause_requested_ = false;
    watchdog_.set_paused(false);
    set_state(host_state::printing, "resumed");
    emit(host_event::kind::info, "job resumed");
    return true;
}

bool printer_host::cancel_job(std::string& why) {
    if (!job_) {
        why = "no job to cancel";
        return false;
    }
    finish_job(job_status::cancelled, "cancelled");
    // What is already in the firmware's buffer finishes; then lift away from the part
    // and switch everything off.
    enqueue("G91");
    enqueue(fmt::format("G1 Z{:.3f} F600", config_.pause_lift_mm));
    enqueue("G90");
    for (int t = 0; t < config_.extruders; ++t) enqueue("M104 T" + std::to_string(t) + " S0");
    enqueue("M140 S0");
    enqueue("M107");
    enqueue("M84");
    return true;
}

void printer_host::emergency_stop(const std::string& reason) {
    if (!link_ || phase_ == phase::closed) return;
    // M112 goes out ahead of everything and outside the window: a firmware with an
    // emergency parser acts on it as the bytes arrive, full buffer or not. The heater
    // commands are for firmware without one. Closing the port afterwards resets boards
    // that reset on DTR.
    raw_out_.push_front("M112\n");
    raw_out_.push_back("M104 S0\n");
    raw_out_.push_back("M140 S0\n");
    halted_ = true;
    commands_.clear();
    emit(host_event::kind::alert, "emergency stop: " + reason);
    if (job_) finish_job(job_status::failed, "emergency stop: " + reason);
    set_state(host_state::error, "emergency stop: " + reason);
    close_pending_ = true;
    close_at_ = clock_.now() + seconds(1);
    wake_writer();
}

void printer_host::finish_job(job_status status, const std::string& reason) {
    if (!job_) return;
    job_result result;
    result.status = status;
    result.reason = reason;
    result.file = job_->path().string();
    result.progress = job_->progress();
    result.elapsed = clock_.now() - job_started_;
    job_.reset();
    job_pending_.reset();
    job_pause_requested_ = false;
    pause_position_pending_ = false;
    watchdog_.set_paused(false);
    if (!halted_ && phase_ == phase::ready &&
        (state_ == host_state::printing || state_ == host_state::pausing || state_ == host_state::paused))
        set_state(host_state::operational, to_string(status));
    if (status == job_status::completed)
        emit(host_event::kind::info, "job completed: " + result.file);
    else
        emit(status == job_status::cancelled ? host_event::kind::info : host_event::kind::warning,
             std::string("job ") + to_string(status) + ": " + reason);
    if (cb_.on_progress) cb_.on_progress(result.progress);
    if (cb_.on_job_done) cb_.on_job_done(result);
}

bool printer_host::sd_list(std::string& why) {
    if (!ready_for_commands(why)) return false;
    enqueue("M20");
    return true;
}

bool printer_host::sd_print(const std::string& name, std::string& why) {
    if (!ready_for_commands(why)) return false;
    if (job_) {
        why = "a job is printing from the host";
        return false;
    }
    if (name.empty() || name.find_first_of("\r\n;*") != std::string::npos) {
        why = "invalid SD file name";
        return false;
    }
    enqueue("M23 " + name);
    enqueue("M24", [this] {
        sd_printing_ = true;
        if (firmware_.has("AUTOREPORT_SD_STATUS")) enqueue("M27 S2");
    });
    return true;
}

bool printer_host::sd_pause(std::string& why) {
    if (!ready_for_commands(why)) return false;
    enqueue("M25");
    return true;
}

bool printer_host::sd_resume(std::string& why) {
    if (!ready_for_commands(why)) return false;
    enqueue("M24");
    return true;
}

bool printer_host::sd_abort(std::string& why) {
    if (!ready_for_commands(why)) return false;
    enqueue("M524", [this] { sd_printing_ = false; });
    if (firmware_.has("AUTOREPORT_SD_STATUS")) enqueue("M27 S0");
    return true;
}

}  // namespace printgate::printer
