#pragma once
// One outgoing HTTP or HTTPS connection with the checks every fetch of the edge needs (the
// download_gcode client and https webhooks): resolve and connect within a deadline, drop
// addresses that are not the public internet unless allowed (and check the address actually
// connected to again), then for https TLS with the chain and the host name verified against
// `tls` (verify_peer). Private to edge/src: Beast types.
#include "printgate/edge/gcode_download.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace printgate::edge {

struct outgoing_connection {
    std::optional<boost::beast::tcp_stream> tcp;                                    // http
    std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls;          // https
};

// "" when `out` holds the connected (and for https, handshaken) stream; else why not, for the
// log and the user (never the URL's path or query). `internal_key` names the setting that
// allows internal addresses, for the refusal message.
boost::asio::awaitable<std::string> connect_outgoing(boost::asio::any_io_executor ex, boost::asio::ssl::context& tls,
                                                     const download_url& url, bool allow_internal,
                                                     const char* internal_key,
                                                     std::chrono::steady_clock::time_point deadline,
                                                     outgoing_connection& out);

// Readies a client TLS context for connect_outgoing: TLS 1.2 or newer, the system's CAs plus
// `ca_file` when set (a file that cannot be read is logged under `ca_key`, the setting's name),
// and the peer's chain verified.
void configure_outgoing_tls(boost::asio::ssl::context& tls, const std::string& ca_file, const char* ca_key);

// A transport or TLS error in plain words ("certificate verify failed" rather than a number).
std::string describe_error(const boost::system::error_code& ec);

}  // namespace printgate::edge
