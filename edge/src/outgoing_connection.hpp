#pragma once
// One outgoing HTTP or HTTPS connection with the checks every fetch of the edge needs (the
// download_gcode client and https webhooks): resolve and connect within a deadline, drop
// addresses that are not the public internet unless allowed (and check the address actually
// connected to again), then for https TLS with the chain and the host name verified against
// `tls` (verify_peer). The connection is a common::any_stream (a TCP socket, or
// tunnel::tls_stream over it), so the HTTP exchange on it (https_client.hpp) is compiled once;
// the deadline closes it, whatever is under way.
#include "printgate/common/any_stream.hpp"
#include "printgate/edge/gcode_download.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace printgate::edge {

class outgoing_connection {
public:
    outgoing_connection() = default;
    outgoing_connection(outgoing_connection&&) = delete;
    ~outgoing_connection();

    // The connected stream; valid once connect_outgoing() returned "".
    common::any_stream& stream() { return state_->stream; }
    // A transport or TLS error in plain words; "the time limit ran out" once the deadline closed
    // the stream.
    std::string describe(const boost::system::error_code& ec) const;
    // Graceful end (TLS close_notify, TCP FIN), then close.
    boost::asio::awaitable<void> shutdown();

private:
    friend boost::asio::awaitable<std::string> connect_outgoing(boost::asio::any_io_executor, boost::asio::ssl::context&,
                                                                const download_url&, bool, const char*,
                                                                std::chrono::steady_clock::time_point,
                                                                outgoing_connection&);
    struct state {
        explicit state(boost::asio::any_io_executor ex) : deadline(ex) {}
        common::any_stream stream;
        boost::asio::steady_timer deadline;
        bool expired = false;
    };
    std::shared_ptr<state> state_;
};

// "" when `out` holds the connected (and for https, handshaken) stream; else why not, for the
// log and the user (never the URL's path or query). `internal_key` names the setting that
// allows internal addresses, for the refusal message. The deadline also bounds what is done on
// the stream afterwards.
boost::asio::awaitable<std::string> connect_outgoing(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls,
                                                     const download_url& url, bool allow_internal,
                                                     const char* internal_key,
                                                     std::chrono::steady_clock::time_point deadline,
                                                     outgoing_connection& out);

// Readies a client TLS context for connect_outgoing: TLS 1.2 or newer, the system's CAs plus
// `ca_file` when set (a file that cannot be read is logged under `ca_key`, the setting's name),
// and the peer's chain verified.
void configure_outgoing_tls(boost::asio::ssl::context& tls, const std::string& ca_file, const char* ca_key);

}  // namespace printgate::edge
