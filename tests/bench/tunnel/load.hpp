#pragma once
// The traffic of bench tunnel: an HTTP sink that runs on any byte stream (a TCP socket
// for the raw and ssh -R paths, a tunnel stream on the printgate edge side), and a client
// that measures upload throughput and small-request latency over TCP or TLS.
#include <printgate/common/any_stream.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace printgate::bench {

namespace net = boost::asio;

// The 1 KiB file that wrk fetches: served from memory by the sink, from disk by nginx.
const std::string& file_body();

// HTTP/1.1 with keep-alive: POST consumes its Content-Length body and answers "ok";
// GET /file.bin answers file_body(), GET /bytes/N N bytes, any other GET 64 bytes. Returns
// when the peer closes.
net::awaitable<void> serve_sink(common::any_stream stream);

// A loopback TCP listener running serve_sink per connection on its own thread.
class sink_server {
public:
    sink_server();
    ~sink_server();
    std::uint16_t port() const { return port_; }

private:
    net::io_context io_;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

struct target {
    std::uint16_t port = 0;
    bool tls = false;
    std::string host;  // Host header and SNI
    std::string headers;  // more header lines, each ending in \r\n (the printgate path's X-Api-Key)
};

// Aggregate upload throughput in Mbit/s of `streams` connections each POSTing `bytes`.
double upload_mbps(const target& t, std::uint64_t bytes, int streams, std::string& error);

// Throughput in Mbit/s of one GET /bytes/`bytes` (the body read and dropped as it comes).
double download_mbps(const target& t, std::uint64_t bytes, std::string& error);

// Round-trip times in milliseconds of `samples` small GETs on one keep-alive connection
// per target, the targets taking turns.
std::vector<std::vector<double>> request_latencies_ms(const std::vector<target>& targets, int samples,
                                                      std::string& error);

double percentile(std::vector<double> values, double p);

}  // namespace printgate::bench
