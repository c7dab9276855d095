#pragma once
// Wires the pieces of one simulated printer together: the host-facing port, the paced
// serial line, the firmware, and what gets recorded (log, summary).
#include <boost/asio/io_context.hpp>
#include <memory>

#include "endpoint.hpp"
#include "exec_log.hpp"
#include "firmware.hpp"
#include "serial_link.hpp"
#include "sim_options.hpp"
#include "sim_stats.hpp"

namespace printgate::sim {

class simulator {
public:
    simulator(net::io_context& ioc, sim_options& options);

    // Opens the port and starts the firmware. Returns why it could not, or nullopt.
    std::optional<std::string> start();
    // "pty=LINK_PATH" / "tcp=ADDRESS:PORT", for the ready line.
    std::string ready_text() const { return port_->ready_text(); }
    // On SIGTERM/SIGINT: writes the summary and takes the port away. False when the
    // summary could not be written.
    bool shutdown();

private:
    sim_options& options_;
    sim_stats stats_;
    exec_log log_;
    serial_link link_;
    std::unique_ptr<endpoint> port_;
    std::unique_ptr<firmware> firmware_;
};

}  // namespace printgate::sim
