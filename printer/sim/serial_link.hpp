#pragma once
// The wire between host and firmware: both directions paced at the baud rate and delayed by
// the USB adapter's latency. The firmware gets received bytes one batch at a time, each byte
// only once it has "arrived".
#include <chrono>
#include <functional>

#include "async_event.hpp"
#include "endpoint.hpp"
#include "paced_pipe.hpp"

namespace printgate::sim {

class serial_link final : public byte_sink {
public:
    using receiver = std::function<void(std::string_view)>;

    serial_link(net::any_io_executor ex, unsigned baud, std::chrono::microseconds latency);

    void attach(endpoint& port, receiver on_receive);
    void start();

    // Firmware output towards the host.
    void send(std::string_view bytes);
    // The port vanished: whatever was on the wire is lost.
    void clear();

    // byte_sink: bytes the host wrote.
    void on_bytes(std::string_view bytes) override;
    bool can_take_more() const override;

private:
    net::awaitable<void> pump(paced_pipe& pipe, async_event& event, bool towards_host);

    paced_pipe rx_;
    paced_pipe tx_;
    async_event rx_event_;
    async_event tx_event_;
    endpoint* port_ = nullptr;
    receiver on_receive_;
    net::any_io_executor ex_;
};

}  // namespace printgate::sim
