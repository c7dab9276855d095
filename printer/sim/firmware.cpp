#include "firmware.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "sim_time.hpp"

namespace printgate::sim {
using std::chrono::steady_clock;

firmware::firmware(net::any_io_executor ex, sim_options& options, serial_link& link, endpoint& port,
                   exec_log& log, sim_stats& stats)
    : ex_(ex),
      options_(options),
      link_(link),
      port_(port),
      log_(log),
      stats_(stats),
      wake_(ex),
      rx_(options.rx_buffer),
      intake_(options.faults, stats.counters),
      planner_(options.planner_blocks, options.motion_time),
      hotends_(options.extruders, heater(options.hotend_tau_s)),
      bed_(options.bed_tau_s),
      sd_(options.sd_files),
      temperature_autoreport_(ex, [this] { emit(temperature_report(steady_clock::now())); }),
      sd_autoreport_(ex, [this] { report_sd_status(); }),
      busy_interval_s_(options.busy_interval_s) {
    // A chamber is slow, like the bed.
    if (options.chamber) chamber_.emplace(options.bed_tau_s);
}

void firmware::start() {
    banner();
    temperature_autoreport_.start();
    sd_autoreport_.start();
    net::co_spawn(ex_, main_loop(), net::detached);
}

void firmware::emit(std::string_view line) {
    if (powered_off_) return;
    if (options_.verbose) spdlog::debug("send: {}", line);
    std::string bytes(line);
    bytes.push_back('\n');
    link_.send(bytes);
}

void firmware::send_ok(std::optional<long> line) {
    if (!options_.advanced_ok) return emit("ok");
    const auto used = std::min(queue_.size(), options_.command_slots);
    emit(fmt::format("ok N{} P{} B{}", line.value_or(intake_.last()),
                     planner_.free_blocks(steady_clock::now()), options_.command_slots - used));
}

void firmware::log_fault(const fault& f) { log_.event(steady_clock::now(), "fault " + f.spec); }

void firmware::on_receive(std::string_view bytes) {
    // A killed board only spins in its kill loop; a vanished one is not powered.
    if (halted_ || powered_off_) return;
    for (char c : bytes) {
        if (options_.emergency_parser) {
            if (auto cmd = emergency_.feed(c); cmd != emergency_parser::command::none) {
                on_emergency(cmd);
                if (halted_) return;
            }
        }
        // An idle board reads bytes as they come. The wire delivers in batches (and later
        // still when this process is starved of CPU), so drain the ring before it would
        // overflow rather than drop bytes a real idle board would have taken in time.
        if (idle_ && rx_.size() == rx_.capacity()) fill_queue();
        if (!rx_.push(c)) {
            ++stats_.counters.rx_overflow_bytes;
            continue;
        }
        stats_.counters.max_rx_used = std::max(stats_.counters.max_rx_used, rx_.size());
    }
    wake_.notify();
}

net::awaitable<void> firmware::main_loop() {
    for (;;) {
        if (vanish_pending_) {
            const double how_long = *vanish_pending_;
            vanish_pending_.reset();
            co_await vanish_and_return(how_long);
            continue;
        }
        if (!halted_) fill_queue();
        if (vanish_pending_) continue;
        if (halted_ || queue_.empty()) {
            idle_ = !halted_;
            co_await wake_.wait();
            idle_ = false;
            continue;
        }
        co_await run_next();
    }
}

// Marlin's get_available_commands: serial first, then the SD file, and only while a
// command slot is free. Bytes wait in the receive buffer otherwise.
void firmware::fill_queue() {
    while (!halted_ && !vanish_pending_ && queue_.size() < options_.command_slots) {
        if (auto c = rx_.pop()) {
            if (auto line = reader_.feed(*c)) accept_serial_line(*line);
            continue;
        }
        if (!sd_.printing()) break;
        if (auto text = sd_.next_command()) {
            queue_.push_back({next_id_++, origin::sd, std::nullopt, std::move(*text)});
        } else {
            // Marlin closes the file when its last byte is read and reports the end
            // once everything read from it has run.
            sd_.stop();
            queue_.push_back({next_id_++, origin::sd_done, std::nullopt, {}});
        }
    }
    stats_.counters.max_command_slots_used = std::max(stats_.counters.max_command_slots_used, queue_.size());
}

void firmware::line_error(std::string_view message) {
    emit(fmt::format("Error:{}{}", message, intake_.last()));
    request_resend(intake_.last() + 1);
}

void firmware::request_resend(long line) {
    emit(fmt::format("Resend: {}", line));
    ++stats_.counters.resends_requested;
    if (!options_.faults.no_ok_after_resend()) send_ok(std::nullopt);
}

void firmware::accept_serial_line(const std::string& raw) {
    if (options_.verbose) spdlog::debug("recv: {}", raw);
    auto v = intake_.judge(raw);
    if (v.fired) log_fault(*v.fired);
    switch (v.what) {
        case line_intake::outcome::ignore:
            return;
        case line_intake::outcome::error:
            return line_error(v.error);
        case line_intake::outcome::resend_old:
            return request_resend(v.resend_from);
        case line_intake::outcome::reset:
            reset_state();
            return banner();
        case line_intake::outcome::vanish:
            vanish_pending_ = v.fired->seconds;
            return;
        case line_intake::outcome::accept:
            break;
    }
    queue_.push_back({next_id_++, origin::serial, v.line.number, std::move(v.line.command)});
    stats_.line_accepted(v.line.number.has_value(), steady_clock::now());
}

net::awaitable<bool> firmware::wait_until(time_point deadline, keepalive kind, std::function<bool()> done) {
    const auto epoch = epoch_;
    for (;;) {
        if (halted_ || epoch != epoch_) co_return false;
        if (done && done()) co_return true;
        const auto now = steady_clock::now();
        if (now >= deadline) co_return true;
        auto until = deadline;
        if (kind != keepalive::none && busy_interval_s_ > 0) {
            if (now >= next_busy_) {
                emit(kind == keepalive::processing ? "echo:busy: processing" : "echo:busy: paused for user");
                next_busy_ = now + from_seconds(busy_interval_s_);
            }
            until = std::min(until, next_busy_);
        }
        co_await wake_.wait_until(until);
    }
}

net::awaitable<void> firmware::run_next() {
    const queued_command cmd = queue_.front();
    const auto epoch = epoch_;
    if (options_.cmd_time.count() > 0 && cmd.from != origin::sd_done) {
        const bool alive = co_await wait_until(steady_clock::now() + options_.cmd_time, keepalive::none);
        if (!alive) co_return;
    }
    const auto now = steady_clock::now();
    const auto parsed = gcode_command::parse(cmd.text);
    if (cmd.from != origin::sd_done) {
        const std::string origin_field = cmd.from == origin::sd ? "sd"
                                         : cmd.line             ? std::to_string(*cmd.line)
                                                                : "-";
        log_.command(now, origin_field, cmd.text);
        ++stats_.counters.commands_executed;
        if (cmd.from == origin::serial && cmd.line && !parsed.is('M', 110))
            stats_.numbered_line_executed(*cmd.line);
    }
    next_busy_ = now + from_seconds(busy_interval_s_);
    const reply r = co_await execute(cmd, parsed);
    if (epoch != epoch_) co_return;  // killed or reset meanwhile: the queue is gone

    if (cmd.from == origin::serial && cmd.line) {
        if (const fault* f = options_.faults.take(fault_kind::busy, *cmd.line)) {
            log_fault(*f);
            const bool alive =
                co_await wait_until(steady_clock::now() + from_seconds(f->seconds), keepalive::processing);
            if (!alive) co_return;
        }
    }
    if (!queue_.empty() && queue_.front().id == cmd.id) queue_.pop_front();  // the slot is free
    bool drop_ok = false;
    if (cmd.from == origin::serial && cmd.line) {
        if (const fault* f = options_.faults.take(fault_kind::drop_ok, *cmd.line)) {
            log_fault(*f);
            drop_ok = true;
        }
    }
    if (cmd.from == origin::serial && !drop_ok) {
        if (r == reply::ok) send_ok(cmd.line);
        if (r == reply::ok_with_temperatures) emit("ok" + temperature_report(steady_clock::now()));
    }
    after_execution(cmd);
}

void firmware::after_execution(const queued_command& cmd) {
    if (cmd.from != origin::serial || !cmd.line) return;
    const auto now = steady_clock::now();
    if (const fault* f = options_.faults.take(fault_kind::heater_fault, *cmd.line)) {
        log_fault(*f);
        hotends_[0].disconnect_thermistor(now);
    }
    if (const fault* f = options_.faults.take(fault_kind::thermal_runaway, *cmd.line)) {
        log_fault(*f);
        emit("Error:Thermal Runaway, system stopped! Heater_ID: 0");
        kill("thermal runaway");
    }
}

}  // namespace printgate::sim
