#pragma once
// One deadline per browser connection, shared by every phase (TLS handshake, waiting for
// a request, streaming bodies, WebSocket). Progress pushes it back; when it passes, the
// connection's streams are closed, which ends every pending operation on them with an
// error. Closing instead of cancelling works the same on TCP, TLS and tunnel streams.
#include <chrono>
#include <functional>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace printgate::relay {

class proxy_deadline {
public:
    using duration = std::chrono::steady_clock::duration;

    proxy_deadline(boost::asio::any_io_executor executor, std::function<void()> on_expiry);

    // Starts a phase: from now on, `timeout` without progress expires the connection.
    void phase(duration timeout);
    // Progress in the current phase.
    void touch();
    [[nodiscard]] bool expired() const { return expired_; }

    // Runs until stop() or expiry; co_spawn it beside the connection.
    boost::asio::awaitable<void> run();
    void stop();

private:
    boost::asio::steady_timer timer_;
    std::function<void()> on_expiry_;
    duration timeout_{std::chrono::seconds(60)};
    std::chrono::steady_clock::time_point deadline_;
    bool stopped_ = false;
    bool expired_ = false;
};

}  // namespace printgate::relay
