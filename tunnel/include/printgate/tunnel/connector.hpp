#pragma once
// The edge's tunnel: connect to the relay stored by pairing, keep the tunnel up forever.
// Each attempt re-reads the identity (renewals), resolves the relay's name again, connects,
// does the TLS 1.3 handshake with the device certificate, starts a multiplexing session
// (role client), opens the control stream (run_edge_control) and hands every stream the
// relay opens to `on_stream`. On any failure it waits an exponential backoff with full
// jitter (1 s doubling to 60 s by default) and tries again; it never gives up. The backoff
// starts over once a tunnel stayed up for `stable_after`.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "printgate/common/any_stream.hpp"
#include "printgate/common/clock.hpp"
#include "printgate/tunnel/session.hpp"

namespace printgate::tunnel {

struct backoff_policy {
    std::chrono::milliseconds initial{1000};
    std::chrono::milliseconds max{60000};
    std::chrono::milliseconds stable_after{60000};  // a tunnel up this long resets the backoff
};

// Full jitter: the n-th delay is uniform in [0, min(max, initial * 2^n)].
class backoff {
public:
    // `random` returns uniformly distributed 64-bit values.
    backoff(backoff_policy policy, std::function<std::uint64_t()> random);

    std::chrono::milliseconds next();
    void reset() { attempt_ = 0; }
    // A tunnel that was up from `up` to `down`: reset when it lasted stable_after or more.
    void tunnel_ended(clock::time_point up, clock::time_point down);
    [[nodiscard]] std::chrono::milliseconds ceiling() const;  // the cap of the next delay
    [[nodiscard]] unsigned attempt() const { return attempt_; }

private:
    backoff_policy policy_;
    std::function<std::uint64_t()> random_;
    unsigned attempt_ = 0;
};

// A random source from the OS CSPRNG (for production use of backoff).
std::function<std::uint64_t()> system_random();

struct connector_options {
    std::filesystem::path state_dir;  // as written by pair_with_relay
    std::string version;
    backoff_policy policy;
    std::function<std::uint64_t()> random;           // empty: system_random()
    const printgate::clock* clock = nullptr;         // empty: steady clock
    std::chrono::milliseconds connect_timeout{10000};  // TCP connect + TLS handshake
    session_options session;
    std::function<void(common::any_stream)> on_stream;           // a stream opened by the relay
    std::function<void(const nlohmann::json&)> on_control_message;
    std::function<void(bool up)> on_state;                       // tunnel up / down
};

class connector : public std::enable_shared_from_this<connector> {
public:
    static std::shared_ptr<connector> create(net::any_io_executor executor, connector_options options);

    // Runs until stop(). Spawn it with co_spawn on a single-threaded executor.
    net::awaitable<void> run();
    void stop();

    // Up: the relay answered hello with welcome, and the session is still open.
    [[nodiscard]] bool connected() const { return up_ && session_ && session_->is_open(); }
    [[nodiscard]] std::uint64_t tunnels_established() const { return established_; }
    [[nodiscard]] std::uint64_t attempts() const { return attempts_; }

private:
    connector(net::any_io_executor executor, connector_options options);
    // One attempt; returns after the tunnel (if any) ended, with whether it was established.
    net::awaitable<bool> attempt();

    net::any_io_executor executor_;
    connector_options options_;
    backoff backoff_;
    net::steady_timer timer_;
    std::shared_ptr<session> session_;
    bool stopped_ = false;
    bool up_ = false;
    std::uint64_t established_ = 0;
    std::uint64_t attempts_ = 0;
};

}  // namespace printgate::tunnel
