#pragma once
// The host-facing end of the simulated serial line: a pty or a TCP listener. Bytes the host
// writes go to a byte_sink (the paced link); bytes the firmware sends go to write().
#include <optional>
#include <string>
#include <string_view>

namespace printgate::sim {

class byte_sink {
public:
    virtual ~byte_sink() = default;
    virtual void on_bytes(std::string_view bytes) = 0;
    // False while the sink is backlogged: the endpoint then stops reading and lets the
    // kernel buffer hold the host's bytes, as a real adapter's FIFO would.
    virtual bool can_take_more() const = 0;
};

class endpoint {
public:
    virtual ~endpoint() = default;
    // Creates the port, again after vanish(). Returns why it failed, or nullopt.
    virtual std::optional<std::string> open() = 0;
    // The port disappears (unplugged): the host's side sees a hang-up or a closed socket.
    virtual void vanish() = 0;
    // Final shutdown: like vanish(), for good.
    virtual void close() = 0;
    // "pty=LINK_PATH" or "tcp=ADDRESS:PORT".
    virtual std::string ready_text() const = 0;
    // Queues bytes for the host; dropped when no host is there to take them.
    virtual void write(std::string_view bytes) = 0;
};

}  // namespace printgate::sim
