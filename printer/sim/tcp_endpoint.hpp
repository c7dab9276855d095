#pragma once
// A TCP listener standing in for a serial-over-network bridge (ser2net, ESP3D): one client at
// a time, the printer behind it keeps running when a client leaves.
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>

#include "endpoint.hpp"
#include "stream_writer.hpp"

namespace printgate::sim {

class tcp_endpoint final : public endpoint {
public:
    tcp_endpoint(net::any_io_executor ex, std::string host, std::uint16_t port, byte_sink& sink);
    ~tcp_endpoint() override;

    // The first open() binds HOST:PORT; later ones (after vanish) bind the same port again.
    std::optional<std::string> open() override;
    void vanish() override;
    void close() override { vanish(); }
    std::string ready_text() const override;
    void write(std::string_view bytes) override;

private:
    net::awaitable<void> accept_loop(unsigned generation);
    net::awaitable<void> read_loop(unsigned generation);

    net::any_io_executor ex_;
    std::string host_;
    std::uint16_t port_;
    byte_sink& sink_;
    net::ip::tcp::acceptor acceptor_;
    net::ip::tcp::socket socket_;
    net::ip::tcp::endpoint bound_;
    bool connected_ = false;
    unsigned generation_ = 0;
    stream_writer<net::ip::tcp::socket> writer_;
};

}  // namespace printgate::sim
