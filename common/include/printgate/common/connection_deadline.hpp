#pragma once
// Closes a connection whose peer stays silent too long. Armed around every wait for the
// peer (the edge's HTTP server: the next request, an upload's next bytes, a client slow to
// take our answer; a camera source: the next picture; the relay asking an edge camera's
// state: the whole exchange); disarmed before a long-lived stream takes the connection over
// and when it goes out of scope. Closing makes the pending operation fail, which ends the
// exchange the normal way.
#include "printgate/common/any_stream.hpp"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace printgate::common {

class connection_deadline {
public:
    explicit connection_deadline(any_stream& stream)
        : state_(std::make_shared<state>(&stream)), timer_(stream.get_executor()) {}
    ~connection_deadline() {
        state_->stream = nullptr;
        disarm();
    }
    connection_deadline(const connection_deadline&) = delete;
    connection_deadline& operator=(const connection_deadline&) = delete;

    void arm(std::chrono::milliseconds after) {
        const unsigned generation = ++state_->generation;
        timer_.expires_after(after);
        // A wait that already completed cannot be cancelled: the generation tells a stale
        // expiry from the current one.
        timer_.async_wait([st = state_, generation](const boost::system::error_code& ec) {
            if (ec || st->generation != generation || !st->stream) return;
            st->expired = true;
            st->stream->close();
        });
    }
    void disarm() {
        ++state_->generation;
        timer_.cancel();
    }
    bool expired() const { return state_->expired; }

private:
    struct state {
        explicit state(any_stream* s) : stream(s) {}
        any_stream* stream;
        unsigned generation = 0;
        bool expired = false;
    };
    std::shared_ptr<state> state_;
    boost::asio::steady_timer timer_;
};

}  // namespace printgate::common
