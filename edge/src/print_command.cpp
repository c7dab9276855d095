// `printgate-edge print`: stream one file to a printer and report, headless.
#include "commands.hpp"
#include "printgate/printer/job_streamer.hpp"
#include "printgate/printer/printer_host.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>

namespace printgate::edge {

namespace net = boost::asio;
using namespace printgate::printer;

namespace {

struct print_options {
    std::string port;
    unsigned baud = 0;
    std::string flow = "windowed";
    std::size_t rx_buffer = 128;
    std::string resend_ok = "ok";
    double timeout_s = 30;
    double busy_timeout_s = 3;
    double connect_timeout_s = 30;
    double reconnect_wait_s = 0;
    std::string file;
    std::string result_json;
    bool terminal = false;
    bool no_compact = false;
    bool quiet = false;
};

std::string temperatures_text(const std::vector<heater_reading>& temps) {
    std::string out;
    for (const auto& h : temps) {
        out += fmt::format(" {} {:.1f}", h.name, h.actual);
        if (h.target) out += fmt::format("/{:.0f}", *h.target);
    }
    return out;
}

nlohmann::json result_to_json(const job_result& r, const printer_host& host) {
    const auto& p = r.progress;
    const auto& c = host.sender().counters();
    const double secs = std::chrono::duration<double>(r.elapsed).count();
    return {{"status", to_string(r.status)},
            {"reason", r.reason},
            {"file", r.file},
            {"commands_sent", p.commands_sent},
            {"commands_acked", p.commands_acked},
            {"file_line_acked", p.file_line_acked},
            {"bytes_acked", p.bytes_acked},
            {"bytes_total", p.bytes_total},
            {"z", p.z_known ? nlohmann::json(p.z) : nlohmann::json(nullptr)},
            {"elapsed_s", secs},
            {"lines_per_s", secs > 0 ? static_cast<double>(p.commands_acked) / secs : 0.0},
            {"link", {{"lines_sent", c.lines_sent},
                      {"bytes_sent", c.bytes_sent},
                      {"resent", c.resent},
                      {"resend_requests", c.resend_requests},
                      {"duplicate_resends_ignored", c.duplicates_ignored}}}};
}

int run_print(const print_options& o) {
    std::error_code ec;
    std::string why;
    auto job = job_streamer::open(o.file, ec, why);
    if (!job) {
        std::cerr << "printgate-edge print: " << why << "\n";
        return 1;
    }

    host_config cfg;
    cfg.port = o.port;
    cfg.baud = o.baud;
    cfg.compact_moves = !o.no_compact;
    cfg.window.mode = o.flow == "one-line" ? flow_mode::one_line : flow_mode::windowed;
    cfg.window.rx_buffer_bytes = o.rx_buffer;
    cfg.window.resend_ok = o.resend_ok == "no-ok" ? resend_ok_style::no_ok : resend_ok_style::ok_follows;
    cfg.communication_timeout = std::chrono::milliseconds(static_cast<long>(o.timeout_s * 1000));
    cfg.busy_timeout = std::chrono::milliseconds(static_cast<long>(o.busy_timeout_s * 1000));
    cfg.auto_reconnect = o.reconnect_wait_s > 0;

    net::io_context io;
    std::optional<job_result> result;
    std::optional<nlohmann::json> result_json;
    bool started = false;
    bool reconnected = false;
    net::steady_timer deadline(io);
    std::vector<heater_reading> temps;
    auto last_status = std::chrono::steady_clock::now() - std::chrono::seconds(10);
    printer_host* host_ptr = nullptr;
    net::signal_set signals(io, SIGINT, SIGTERM);
    // Ends the run: the host lets go of the port and nothing else keeps io running.
    // Ends the run once what the host still has to say (heaters off after a failure,
    // the cancel moves, an emergency stop) reached the printer, or after 10 s.
    net::steady_timer drain(io);
    auto drain_until = std::chrono::steady_clock::now();
    std::function<void()> finish = [&] {
        if (!host_ptr->drained() && std::chrono::steady_clock::now() < drain_until) {
            drain.expires_after(std::chrono::milliseconds(50));
            drain.async_wait([&](boost::system::error_code) { finish(); });
            return;
        }
        signals.cancel();
        deadline.cancel();
        host_ptr->stop();
    };
    auto finish_soon = [&] {
        drain_until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        net::post(io, finish);
    };

    host_callbacks cb;
    cb.on_event = [&](const host_event& e) {
        if (!o.quiet) std::cout << "event " << to_string(e.what) << ": " << e.message << std::endl;
    };
    cb.on_temperatures = [&](const std::vector<heater_reading>& t) { temps = t; };
    cb.on_terminal = [&](bool sent, const std::string& line) {
        if (o.terminal) std::cout << (sent ? "> " : "< ") << line << "\n";
    };
    cb.on_progress = [&](const job_progress& p) {
        auto now = std::chrono::steady_clock::now();
        if (o.quiet || now - last_status < std::chrono::seconds(1)) return;
        last_status = now;
        std::cout << fmt::format("[{:6.2f}%] command {} acknowledged (file line {}){}{}", p.fraction() * 100.0,
                                 p.commands_acked, p.file_line_acked, p.z_known ? fmt::format(", Z {:.2f}", p.z) : "",
                                 temps.empty() ? "" : " |" + temperatures_text(temps))
                  << std::endl;
    };
    cb.on_job_done = [&](const job_result& r) {
        result = r;
        result_json = result_to_json(r, *host_ptr);
        if (r.status == job_status::interrupted && o.reconnect_wait_s > 0) {
            // Keep trying to reach the printer so the user sees it come back; the job
            // itself is never resumed without the owner deciding to.
            deadline.expires_after(std::chrono::milliseconds(static_cast<long>(o.reconnect_wait_s * 1000)));
            deadline.async_wait([&](boost::system::error_code err) {
                if (!err) finish_soon();
            });
            return;
        }
        finish_soon();
    };
    cb.on_state = [&](host_state s, const std::string&) {
        if (s != host_state::operational) return;
        if (!started) {
            started = true;
            deadline.cancel();
            std::string reason;
            if (!host_ptr->start_job(std::move(job), reason)) {
                std::cerr << "printgate-edge print: " << reason << "\n";
                finish_soon();
            }
        } else if (result) {
            reconnected = true;
            if (!o.quiet) std::cout << "event reconnected: the printer is back; the interrupted job was not resumed" << std::endl;
            finish_soon();
        }
    };

    printer_host host(io.get_executor(), cfg, cb);
    host_ptr = &host;
    signals.async_wait([&](boost::system::error_code err, int) {
        if (err) return;
        std::string ignored;
        if (host.job_active()) host.cancel_job(ignored);
        finish_soon();
    });
    deadline.expires_after(std::chrono::milliseconds(static_cast<long>(o.connect_timeout_s * 1000)));
    deadline.async_wait([&](boost::system::error_code err) {
        if (!err && !started) {
            std::cerr << "printgate-edge print: could not reach a printer on " << o.port << "\n";
            finish_soon();
        }
    });
    host.start();
    io.run();

    if (!result) {
        std::cerr << "printgate-edge print: the job did not run\n";
        return 1;
    }
    (*result_json)["reconnected"] = reconnected;
    if (!o.result_json.empty()) {
        std::ofstream out(o.result_json, std::ios::trunc);
        out << result_json->dump(2) << "\n";
        if (!out) std::cerr << "printgate-edge print: cannot write " << o.result_json << "\n";
    }
    const auto& p = result->progress;
    const double secs = std::chrono::duration<double>(result->elapsed).count();
    std::cout << fmt::format("job {}: {} of {} commands acknowledged in {:.1f} s ({:.0f} lines/s){}{}",
                             to_string(result->status), p.commands_acked, p.commands_sent, secs,
                             secs > 0 ? static_cast<double>(p.commands_acked) / secs : 0.0,
                             result->reason.empty() ? "" : "; ", result->reason)
              << std::endl;
    return result->status == job_status::completed ? 0 : 1;
}

}  // namespace

command_runner add_print_command(CLI::App& app) {
    auto o = std::make_shared<print_options>();
    app.add_option("--port", o->port, "serial device, usb:VID:PID[:SERIAL] or tcp://host:port")->required();
    app.add_option("--baud", o->baud, "baud rate (default: autodetect)");
    app.add_option("--flow", o->flow, "windowed (fill the firmware's buffer) or one-line (one line in flight)")
        ->check(CLI::IsMember({"windowed", "one-line"}))
        ->capture_default_str();
    app.add_option("--rx-buffer", o->rx_buffer, "firmware receive buffer in bytes (Marlin RX_BUFFER_SIZE)")->capture_default_str();
    app.add_option("--resend-ok", o->resend_ok, "whether the firmware sends ok after a Resend: ok (Marlin) or no-ok")
        ->check(CLI::IsMember({"ok", "no-ok"}))
        ->capture_default_str();
    app.add_option("--timeout", o->timeout_s, "communication timeout in seconds")->capture_default_str();
    app.add_option("--busy-timeout", o->busy_timeout_s, "timeout past an expected busy keepalive, seconds")->capture_default_str();
    app.add_option("--connect-timeout", o->connect_timeout_s, "give up when no printer answers within this, seconds")->capture_default_str();
    app.add_option("--reconnect-wait", o->reconnect_wait_s,
                   "after a lost connection, keep reconnecting this long (seconds) and report when the printer is back");
    app.add_option("--result-json", o->result_json, "write the job's result as JSON to this file");
    app.add_flag("--terminal", o->terminal, "show every line sent and received");
    app.add_flag("--no-compact", o->no_compact, "send moves as written (by default, moves go to Marlin without blanks)");
    app.add_flag("-q,--quiet", o->quiet, "only the final summary");
    app.add_option("file", o->file, "G-code file")->required();
    return [o] { return run_print(*o); };
}

}  // namespace printgate::edge
