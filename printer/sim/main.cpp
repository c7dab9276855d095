// printgate-sim: a simulated Marlin 2.x printer on a pty or a TCP port, for testing hosts.
// See README.md for the options, the faults and the wire behaviour.
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>

#include "printgate/common/logging.hpp"
#include "simulator.hpp"

namespace net = boost::asio;

int main(int argc, char** argv) {
    int exit_code = 0;
    auto options = printgate::sim::parse_options(argc, argv, exit_code);
    if (!options) return exit_code;
    printgate::setup_logging("printgate-sim", options->verbose ? "debug" : "info");
    // A host that hangs up mid-write must be an error code, not a dead simulator.
    std::signal(SIGPIPE, SIG_IGN);

    net::io_context ioc(1);
    auto sim = std::make_unique<printgate::sim::simulator>(ioc, *options);
    if (auto why = sim->start()) {
        std::cerr << "printgate-sim: " << *why << "\n";
        return 1;
    }
    net::signal_set signals(ioc, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        if (!sim->shutdown()) exit_code = 1;
        ioc.stop();
    });
    std::cout << "printgate-sim ready " << sim->ready_text() << std::endl;
    ioc.run();
    sim.reset();
    return exit_code;
}
