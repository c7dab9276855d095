#pragma once
// A link with real delay for bench tunnel, in user space (this machine has no sch_netem):
// a TCP forwarder on 127.0.0.1 that holds every byte for half the round trip in each
// direction and lets it through no faster than the link's rate.
//
// It models a long link the way a sender sees one. Each direction keeps at most `window`
// bytes unacknowledged: a byte counts from the moment the forwarder reads it until its
// acknowledgement would be back (serialised at `mbps`, one way across, one way back).
// While the window is full the forwarder stops reading, so the sender's socket buffer
// fills and the sender blocks, as with a TCP receive window on a real path; application
// windows (yamux, an SSH channel) see the full round trip, since their updates cross the
// line too. Not modelled: loss, congestion control's slow start, reordering.
//
// Threads with blocking sockets: one acceptor, and per connection a reader and a writer
// per direction. Memory is bounded by `window` per direction and connection.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace printgate::bench {

struct link_shape {
    std::chrono::microseconds rtt{20000};
    double mbps = 1000;      // the link's rate, each direction
    std::size_t window = 0;  // unacknowledged bytes per direction; 0: the round trip's BDP x 1.25 + 1 MiB
};

// The window a shape gives each direction.
std::size_t window_of(const link_shape& shape);

class delay_line {
public:
    // Listens on 127.0.0.1 (port chosen by the OS); every connection is forwarded to
    // 127.0.0.1:`target` through the shaped link.
    delay_line(link_shape shape, std::uint16_t target);
    ~delay_line();  // closes every connection and joins every thread
    delay_line(const delay_line&) = delete;
    delay_line& operator=(const delay_line&) = delete;

    std::uint16_t port() const { return port_; }
    const link_shape& shape() const { return shape_; }
    std::uint64_t connections() const { return connections_.load(); }

private:
    struct connection;
    void accept_loop();

    link_shape shape_;
    std::uint16_t target_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> connections_{0};
    std::mutex mutex_;
    std::vector<std::unique_ptr<connection>> live_;
    std::thread acceptor_;
};

}  // namespace printgate::bench
