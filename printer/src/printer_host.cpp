// printer_host: connection life cycle, reading, writing and the periodic checks.
#include "printgate/printer/printer_host.hpp"

#include "printgate/printer/gcode_line.hpp"
#include "printgate/printer/link.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <utility>

namespace printgate::printer {

namespace net = boost::asio;
namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t max_reply_line = 1024;
}  // namespace

const char* to_string(host_state s) {
    switch (s) {
    case host_state::disconnected: return "disconnected";
    case host_state::connecting: return "connecting";
    case host_state::operational: return "operational";
    case host_state::printing: return "printing";
    case host_state::pausing: return "pausing";
    case host_state::paused: return "paused";
    case host_state::error: return "error";
    }
    return "?";
}

const char* to_string(job_status s) {
    switch (s) {
    case job_status::completed: return "completed";
    case job_status::cancelled: return "cancelled";
    case job_status::failed: return "failed";
    case job_status::interrupted: return "interrupted";
    }
    return "?";
}

const char* to_string(host_event::kind k) {
    switch (k) {
    case host_event::kind::info: return "info";
    case host_event::kind::warning: return "warning";
    case host_event::kind::firmware_error: return "firmware_error";
    case host_event::kind::alert: return "alert";
    case host_event::kind::timeout: return "timeout";
    case host_event::kind::resend: return "resend";
    case host_event::kind::firmware_reset: return "firmware_reset";
    case host_event::kind::disconnected: return "disconnected";
    case host_event::kind::connected: return "connected";
    case host_event::kind::action: return "action";
    case host_event::kind::sd_done: return "sd_done";
    }
    return "?";
}

printer_host::printer_host(net::any_io_executor ex, host_config config, host_callbacks callbacks, const clock& clk)
    : ex_(ex), config_(std::move(config)), cb_(std::move(callbacks)), clock_(clk), wake_(ex), retry_(ex),
      sender_(config_.window), watchdog_(clk, config_.thermal) {}

printer_host::~printer_host() { close_link(); }

void printer_host::start() {
    if (running_) return;
    running_ = true;
    net::co_spawn(ex_, run(), net::detached);
    net::co_spawn(ex_, tick_loop(), net::detached);
}

void printer_host::stop() {
    if (!running_) return;
    running_ = false;
    if (job_) finish_job(job_status::interrupted, "the host was stopped");
    retry_.cancel();
    close_link();
    wake_writer();
}

void printer_host::set_state(host_state s, const std::string& reason) {
    if (s == state_) return;
    state_ = s;
    spdlog::debug("state {}{}{}", to_string(s), reason.empty() ? "" : ": ", reason);
    if (cb_.on_state) cb_.on_state(s, reason);
}

void printer_host::emit(host_event::kind k, std::string message) {
    switch (k) {
    case host_event::kind::alert:
    case host_event::kind::firmware_error: spdlog::error("{}", message); break;
    case host_event::kind::warning:
    case host_event::kind::timeout:
    case host_event::kind::disconnected: spdlog::warn("{}", message); break;
    default: spdlog::info("{}", message); break;
    }
    if (cb_.on_event) cb_.on_event(host_event{k, std::move(message)});
}

net::awaitable<bool> printer_host::open_link() {
    std::error_code ec;
    std::string why;
    baud_ = config_.baud != 0 ? config_.baud : autodetect_bauds()[baud_index_ % autodetect_bauds().size()];
    link_ = co_await link::open(ex_, config_.port, baud_, ec, why);
    if (!link_) {
        if (!open_failure_reported_) emit(host_event::kind::disconnected, why);
        open_failure_reported_ = true;
        set_state(host_state::disconnected, why);
        co_return false;
    }
    open_failure_reported_ = false;
    if (!link_->has_baud()) baud_ = 0;
    link_->discard_input();
    co_return true;
}

net::awaitable<void> printer_host::run() {
    while (running_) {
        set_state(host_state::connecting);
        if (co_await open_link()) {
            ++link_generation_;
            halted_ = false;
            begin_handshake();
            writing_ = true;
            net::co_spawn(ex_, write_loop(), net::detached);
            co_await read_loop();
            close_link();
            wake_writer();
            net::steady_timer settle(ex_);
            while (writing_) {
                settle.expires_after(milliseconds(5));
                co_await settle.async_wait(use_tuple);
            }
            link_.reset();
        }
        if (!running_ || halted_ || !config_.auto_reconnect) break;
        retry_.expires_after(config_.reconnect_interval);
        co_await retry_.async_wait(use_tuple);
    }
    if (!halted_ && state_ != host_state::error) set_state(host_state::disconnected);
}

void printer_host::close_link() {
    if (link_) link_->close();
    phase_ = phase::closed;
}

net::awaitable<void> printer_host::read_loop() {
    std::array<char, 4096> buf{};
    for (;;) {
        std::error_code ec;
        std::size_t n = co_await link_->read_some(net::buffer(buf), ec);
        if (ec || n == 0) {
            link_lost(ec ? ec.message() : "end of stream");
            co_return;
        }
        handling_input_ = true;
        for (std::size_t i = 0; i < n; ++i) {
            char c = buf[i];
            if (c == '\n') {
                std::string line;
                line.swap(rx_partial_);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                handle_line(line);
                if (phase_ == phase::closed) break;
            } else if (rx_partial_.size() < max_reply_line) {
                rx_partial_.push_back(c);
            }
        }
        handling_input_ = false;
        if (phase_ == phase::closed) co_return;
        if (write_wanted_) {
            write_wanted_ = false;
            write_directly();
        }
    }
}

void printer_host::wake_writer() {
    if (handling_input_) {
        write_wanted_ = true;  // the read loop writes once it has handled what arrived
        return;
    }
    wake_.cancel();
}

// An answered line frees room for the next: send it from here with one write(2) instead of
// waking the write loop (a timer cancelled, two resumptions and an asynchronous write per line).
// Only while the write loop is parked with nothing of its own to send, so the order of bytes on
// the wire stays the order take_batch gave them.
void printer_host::write_directly() {
    if (!writer_parked_ || !unsent_.empty() || !link_ || phase_ == phase::closed) {
        wake_.cancel();
        return;
    }
    std::string batch = take_batch();
    if (batch.empty()) return;
    std::error_code ec;
    const std::size_t n = link_->try_write(net::buffer(batch), ec);
    if (n >= batch.size()) return;
    // The port did not take it all (or failed): the write loop sends the rest first and sees
    // the error, if any, as the read side does.
    unsent_ = batch.substr(n);
    wake_.cancel();
}

net::awaitable<void> printer_host::write_loop() {
    const auto generation = link_generation_;
    while (running_ && link_ && generation == link_generation_ && phase_ != phase::closed) {
        std::string batch = unsent_.empty() ? take_batch() : std::exchange(unsent_, std::string{});
        if (batch.empty()) {
            wake_.expires_at(net::steady_timer::time_point::max());
            writer_parked_ = true;
            co_await wake_.async_wait(use_tuple);
            writer_parked_ = false;
            continue;
        }
        std::error_code ec;
        co_await link_->write_all(net::buffer(batch), ec);
        if (ec) break;  // the read side sees the same failure and reports it
    }
    writing_ = false;
}

net::awaitable<void> printer_host::tick_loop() {
    net::steady_timer timer(ex_);
    while (running_) {
        timer.expires_after(milliseconds(50));
        co_await timer.async_wait(use_tuple);
        if (running_) tick();
    }
}

void printer_host::begin_handshake() {
    phase_ = phase::hello;
    phase_since_ = clock_.now();
    last_hello_ = {};
    last_rx_ = clock_.now();
    sender_.reset_numbering();
    ok_actions_.clear();
    long_running_.clear();
    commands_.clear();
    raw_out_.clear();
    unsent_.clear();
    firmware_ = {};
    autoreport_ = false;
    temp_poll_queued_ = false;
    sd_poll_queued_ = false;
    sd_printing_ = false;
    consecutive_timeouts_ = 0;
    watchdog_.reset();
    targets_.clear();
    set_state(host_state::connecting);
}

milliseconds printer_host::current_timeout() const {
    // Keepalives prove the firmware is alive: expect the next one on time.
    if (last_was_busy_) return busy_interval_ + config_.busy_timeout;
    // Homing, probing, heating and waiting for the user may say nothing for minutes.
    if (!long_running_.empty()) return std::chrono::duration_cast<milliseconds>(std::chrono::hours(24));
    return config_.communication_timeout;
}

void printer_host::tick() {
    const auto now = clock_.now();
    if (close_pending_ && now >= close_at_) {
        close_pending_ = false;
        close_link();
        return;
    }
    if (phase_ == phase::hello) {
        if (now - phase_since_ > config_.connect_timeout) {
            if (config_.baud == 0 && link_ && link_->has_baud() && baud_index_ + 1 < autodetect_bauds().size()) {
                baud_ = autodetect_bauds()[++baud_index_];
                spdlog::info("no answer, trying {} baud", baud_);
                link_->set_baud(baud_);
                link_->discard_input();
                phase_since_ = now;
            } else {
                baud_index_ = 0;
                emit(host_event::kind::disconnected, "no answer from the printer on " + config_.port +
                                                         (config_.baud == 0 && baud_ != 0 ? " at any baud rate" : ""));
                close_link();
                return;
            }
        }
        if (last_hello_ == std::chrono::steady_clock::time_point{} || now - last_hello_ >= config_.hello_interval) {
            last_hello_ = now;
            raw_out_.push_back("M110 N0\n");
            wake_writer();
        }
        return;
    }
    if (phase_ == phase::identify) {
        // A firmware that never names itself: carry on without capabilities rather than
        // hang (resending M115 could not tell a late reply from a new one).
        if (now - phase_since_ > config_.connect_timeout) {
            emit(host_event::kind::warning, "the printer did not identify itself (no FIRMWARE_NAME in its M115 reply)");
            finish_identify();
        }
        return;
    }
    if (phase_ != phase::ready) return;

    if (sender_.lines_in_flight() > 0 && now - last_rx_ > current_timeout()) {
        on_timeout("no answer from the printer for " +
                   std::to_string(std::chrono::duration_cast<milliseconds>(now - last_rx_).count() / 1000.0) + " s");
    }
    if (phase_ == phase::ready && !autoreport_ && !temp_poll_queued_ && now - last_temp_poll_ >= config_.temperature_interval) {
        temp_poll_queued_ = true;
        last_temp_poll_ = now;
        enqueue("M105", [this] { temp_poll_queued_ = false; });
    }
    if (sd_printing_ && !firmware_.has("AUTOREPORT_SD_STATUS") && !sd_poll_queued_ &&
        now - last_sd_poll_ >= config_.temperature_interval) {
        sd_poll_queued_ = true;
        last_sd_poll_ = now;
        enqueue("M27", [this] { sd_poll_queued_ = false; });
    }
    if (job_ && cb_.on_progress && now - last_progress_ >= milliseconds(500)) {
        last_progress_ = now;
        cb_.on_progress(job_->progress());
    }
}

void printer_host::on_timeout(const std::string& why) {
    ++consecutive_timeouts_;
    if (consecutive_timeouts_ > config_.max_consecutive_timeouts) {
        link_lost("the printer stopped answering (" + why + ")");
        close_link();
        return;
    }
    // Nothing can be in transit after this long: forget what is unanswered and probe.
    // A line the firmware never received shows up as a line-number Resend, and the
    // probe's ok confirms everything sent before it (the firmware works in order).
    emit(host_event::kind::timeout, why + "; probing with M105");
    sender_.clear_in_flight();
    last_rx_ = clock_.now();
    last_was_busy_ = false;
    enqueue("M105", {}, true);
}

void printer_host::link_lost(const std::string& why) {
    if (phase_ == phase::closed && !job_ && state_ == host_state::error) return;
    const bool was_connected = phase_ == phase::ready || phase_ == phase::identify;
    phase_ = phase::closed;
    if (job_) {
        finish_job(job_status::interrupted,
                   "the connection to the printer was lost (" + why + ") after command " +
                       std::to_string(job_->progress().commands_acked) + " (file line " +
                       std::to_string(job_->progress().file_line_acked) + ")");
    }
    sd_printing_ = false;
    if (!halted_) {
        if (was_connected || running_) emit(host_event::kind::disconnected, "printer link closed: " + why);
        set_state(host_state::disconnected, why);
    }
}

void printer_host::enqueue(std::string text, std::function<void()> on_ok, bool front) {
    if (front)
        commands_.push_front({std::move(text), std::move(on_ok)});
    else
        commands_.push_back({std::move(text), std::move(on_ok)});
    wake_writer();
}

void printer_host::note_command_sent(const std::string& text, std::uint32_t number) {
    if (cb_.on_terminal) cb_.on_terminal(true, text);
    std::string word = command_word(text);
    if (is_long_running(word)) long_running_[number] = true;
    note_target(word, text);
}

std::string printer_host::take_batch() {
    std::string out;
    // The communication timeout counts from the first line sent into an idle link.
    if (sender_.lines_in_flight() == 0) last_rx_ = clock_.now();
    while (!raw_out_.empty()) {
        out += raw_out_.front();
        raw_out_.pop_front();
    }
    // Numbered lines wait until identify has synchronised the line numbering.
    if (halted_ || phase_ != phase::ready) return out;
    // Card commands can hold Marlin's queue while our oldest line waits in its buffer.
    sender_.set_oldest_line_taken(marlin_window_ && !sd_printing_);
    while (auto line = sender_.take_resend()) out += *line;
    if (sender_.resend_pending()) return out;
    while (!commands_.empty() && sender_.can_send_new(commands_.front().text)) {
        queued q = std::move(commands_.front());
        commands_.pop_front();
        out += sender_.send_new(q.text);
        const auto number = sender_.last_number();
        if (q.on_ok) ok_actions_[number] = std::move(q.on_ok);
        note_command_sent(q.text, number);
    }
    if (!commands_.empty() || phase_ != phase::ready) return out;
    while (job_ && state_ == host_state::printing && !job_pause_requested_) {
        if (!job_pending_) {
            job_pending_ = job_->next();
            if (job_pending_ && compact_) job_pending_->text = compact_move(job_pending_->text);
        }
        if (!job_pending_) {
            if (!job_->error().empty()) finish_job(job_status::failed, job_->error());
            break;
        }
        if (!sender_.can_send_new(job_pending_->text)) break;
        out += sender_.send_new(job_pending_->text, job_tag_base_ + job_pending_->tag);
        note_command_sent(job_pending_->text, sender_.last_number());
        job_pending_.reset();
    }
    return out;
}

}  // namespace printgate::printer
