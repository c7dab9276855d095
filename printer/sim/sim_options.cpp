#include "sim_options.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace printgate::sim {
namespace {

bool read_whole_file(const std::filesystem::path& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    out = buffer.str();
    return static_cast<bool>(in) || in.eof();
}

// HOST:PORT, HOST may be a bracketed IPv6 address.
bool split_host_port(const std::string& text, sim_options& opt) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos)
        return false;
    const unsigned long value = std::stoul(port);
    if (value > 65535) return false;
    opt.tcp_host = host;
    opt.tcp_port = static_cast<std::uint16_t>(value);
    return true;
}

std::optional<std::string> load_sd_files(const std::vector<std::string>& specs,
                                         const std::vector<std::string>& dirs, sim_options& opt) {
    for (const auto& spec : specs) {
        auto colon = spec.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size())
            return "--sd-file expects NAME:PATH, got '" + spec + "'";
        const std::string name = spec.substr(0, colon);
        if (name.find_first_of(" /") != std::string::npos)
            return "--sd-file: the name '" + name + "' may not contain spaces or '/'";
        std::string content;
        if (!read_whole_file(spec.substr(colon + 1), content))
            return "--sd-file: cannot read '" + spec.substr(colon + 1) + "'";
        opt.sd_files[name] = std::move(content);
    }
    for (const auto& dir : dirs) {
        std::error_code ec;
        std::filesystem::directory_iterator it(dir, ec);
        if (ec) return "--sd-dir: cannot list '" + dir + "': " + ec.message();
        for (const auto& entry : it) {
            if (!entry.is_regular_file()) continue;
            std::string content;
            if (!read_whole_file(entry.path(), content))
                return "--sd-dir: cannot read '" + entry.path().string() + "'";
            std::string name = entry.path().filename().string();
            if (name.find(' ') != std::string::npos) continue;  // M23 could not name it
            opt.sd_files[name] = std::move(content);
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<sim_options> parse_options(int argc, char** argv, int& exit_code) {
    sim_options opt;
    CLI::App app{"printgate-sim: a simulated Marlin 2.x printer on a pty or a TCP port"};
    std::string pty, tcp;
    std::int64_t latency_us = opt.usb_latency.count(), cmd_us = opt.cmd_time.count();
    std::vector<std::string> sd_specs, sd_dirs, fault_specs;

    auto* pty_opt = app.add_option("--pty", pty, "create a pty and link LINK_PATH to it");
    auto* tcp_opt = app.add_option("--tcp", tcp, "listen on HOST:PORT (PORT 0 = OS-chosen)");
    pty_opt->excludes(tcp_opt);
    app.add_option("--baud", opt.baud, "each byte takes 10/N s each way (0 = unpaced)");
    app.add_option("--usb-latency-us", latency_us, "one-way extra latency per direction")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{10'000'000}));
    app.add_option("--cmd-time-us", cmd_us, "time to parse and plan one command")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{10'000'000}));
    app.add_option("--command-slots", opt.command_slots, "command queue length (BUFSIZE)")
        ->check(CLI::Range(1, 1024));
    app.add_option("--planner-blocks", opt.planner_blocks, "planner buffer blocks")
        ->check(CLI::Range(1, 4096));
    app.add_option("--rx-buffer", opt.rx_buffer, "serial receive buffer in bytes")
        ->check(CLI::Range(2, 1 << 20));
    app.add_flag("--advanced-ok", opt.advanced_ok, "ok N.. P.. B.. and Cap:ADVANCED_OK:1");
    bool no_autoreport = false, no_ep = false, no_motion = false;
    app.add_flag("--no-autoreport", no_autoreport, "M155 unknown, Cap:AUTOREPORT_TEMP:0");
    app.add_flag("--no-emergency-parser", no_ep, "M112/M108/M410 go through the queue");
    app.add_option("--busy-interval", opt.busy_interval_s, "busy keepalive period (0 = never)")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("--extruders", opt.extruders, "hotends")->check(CLI::Range(1, 8));
    app.add_flag("--chamber", opt.chamber, "add a chamber heater");
    app.add_flag("--no-motion-time", no_motion, "moves complete instantly");
    app.add_option("--home-time", opt.home_time_s, "G28 seconds (G29 takes 3x)")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("--hotend-tau", opt.hotend_tau_s, "hotend time constant, s")
        ->check(CLI::Range(0.0, 3600.0));
    app.add_option("--bed-tau", opt.bed_tau_s, "bed time constant, s")->check(CLI::Range(0.0, 3600.0));
    app.add_option("--sd-file", sd_specs, "NAME:PATH on the SD card (repeatable)");
    app.add_option("--sd-dir", sd_dirs, "every file of DIR on the SD card (repeatable)");
    bool no_sd_card = false;
    app.add_flag("--no-sd-card", no_sd_card, "firmware without SD card support (Cap:SDCARD:0)");
    app.add_option("--fault", fault_specs, "inject a fault (repeatable)");
    app.add_option("--log", opt.log_file, "executed-command log");
    app.add_option("--summary", opt.summary_file, "JSON summary written at exit");
    app.add_flag("-v,--verbose", opt.verbose, "log every line received and sent to stderr");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        exit_code = app.exit(e);
        if (exit_code != 0) exit_code = 2;
        return std::nullopt;
    }
    auto fail = [&](const std::string& why) -> std::optional<sim_options> {
        std::cerr << "printgate-sim: " << why << "\n";
        exit_code = 2;
        return std::nullopt;
    };
    if (pty.empty() == tcp.empty())
        return fail("exactly one of --pty LINK_PATH or --tcp HOST:PORT is required");
    if (!pty.empty()) opt.pty_link = pty;
    if (!tcp.empty() && !split_host_port(tcp, opt)) return fail("--tcp expects HOST:PORT, got '" + tcp + "'");
    opt.usb_latency = std::chrono::microseconds(latency_us);
    opt.cmd_time = std::chrono::microseconds(cmd_us);
    opt.autoreport = !no_autoreport;
    opt.emergency_parser = !no_ep;
    opt.motion_time = !no_motion;
    for (const auto& spec : fault_specs)
        if (auto why = opt.faults.add(spec)) return fail(*why);
    if (no_sd_card && !(sd_specs.empty() && sd_dirs.empty()))
        return fail("--no-sd-card cannot be combined with --sd-file or --sd-dir");
    opt.sd_card = !no_sd_card;
    if (auto why = load_sd_files(sd_specs, sd_dirs, opt)) return fail(*why);
    return opt;
}

}  // namespace printgate::sim
