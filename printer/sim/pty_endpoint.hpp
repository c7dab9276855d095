#pragma once
// A pseudo-terminal standing in for a USB-serial port: the host opens LINK_PATH (a symlink to
// /dev/pts/N) exactly as it would open /dev/ttyUSB0.
#include <boost/asio/posix/stream_descriptor.hpp>

#include "endpoint.hpp"
#include "stream_writer.hpp"

namespace printgate::sim {

class pty_endpoint final : public endpoint {
public:
    pty_endpoint(net::any_io_executor ex, std::string link_path, byte_sink& sink);
    ~pty_endpoint() override;

    std::optional<std::string> open() override;
    void vanish() override;
    void close() override { vanish(); }
    std::string ready_text() const override { return "pty=" + link_; }
    void write(std::string_view bytes) override;

private:
    net::awaitable<void> read_loop(unsigned generation);
    std::optional<std::string> replace_link(const std::string& target);
    void remove_link();

    net::any_io_executor ex_;
    std::string link_;
    byte_sink& sink_;
    net::posix::stream_descriptor master_;
    // Held open by us so the master never reads EIO while no host has the port open.
    int slave_fd_ = -1;
    std::string slave_name_;
    unsigned generation_ = 0;
    stream_writer<net::posix::stream_descriptor> writer_;
};

}  // namespace printgate::sim
