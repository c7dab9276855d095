#pragma once
// Serves HTTP/1.1 (keep-alive, REST, uploads, the WebSocket) on one byte stream: a LAN or
// loopback socket, or a tunnel stream the relay opened. Beast stays inside the .cpp files.
#include "printgate/common/any_stream.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>

namespace printgate::edge {

class edge_app;

struct connection_info {
    bool via_tunnel = false;  // identity headers (X-Printgate-User, X-Forwarded-*) trusted only then
    std::string peer;         // "127.0.0.1:51234", "tunnel:17"
    bool tls = false;         // HTTPS (the LAN listener): cookies get Secure
};

class http_server {
public:
    explicit http_server(edge_app& app) : app_(app) {}
    // Runs the connection until the peer leaves or an error; never throws.
    boost::asio::awaitable<void> serve(common::any_stream stream, connection_info info);

private:
    edge_app& app_;
};

}  // namespace printgate::edge
