#include "simulator.hpp"

#include <spdlog/spdlog.h>

#include "pty_endpoint.hpp"
#include "tcp_endpoint.hpp"

namespace printgate::sim {

simulator::simulator(net::io_context& ioc, sim_options& options)
    : options_(options),
      log_(options.log_file, std::chrono::steady_clock::now()),
      link_(ioc.get_executor(), options.baud, options.usb_latency) {
    if (options.pty_link)
        port_ = std::make_unique<pty_endpoint>(ioc.get_executor(), *options.pty_link, link_);
    else
        port_ = std::make_unique<tcp_endpoint>(ioc.get_executor(), options.tcp_host.value_or("127.0.0.1"),
                                               options.tcp_port, link_);
    firmware_ = std::make_unique<firmware>(ioc.get_executor(), options_, link_, *port_, log_, stats_);
    link_.attach(*port_, [this](std::string_view bytes) { firmware_->on_receive(bytes); });
}

std::optional<std::string> simulator::start() {
    if (log_.failed()) return "cannot write the log file " + options_.log_file;
    if (auto why = port_->open()) return why;
    link_.start();
    firmware_->start();
    return std::nullopt;
}

bool simulator::shutdown() {
    bool ok = true;
    if (!options_.summary_file.empty()) {
        ok = stats_.write_summary(options_.summary_file, firmware_->sd_printing());
        if (!ok) spdlog::error("cannot write the summary to {}", options_.summary_file);
    }
    port_->close();
    return ok;
}

}  // namespace printgate::sim
