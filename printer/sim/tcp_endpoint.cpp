#include "tcp_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/steady_timer.hpp>

namespace printgate::sim {
namespace {

constexpr std::size_t write_limit = 64 * 1024;

}  // namespace

tcp_endpoint::tcp_endpoint(net::any_io_executor ex, std::string host, std::uint16_t port, byte_sink& sink)
    : ex_(ex),
      host_(std::move(host)),
      port_(port),
      sink_(sink),
      acceptor_(ex),
      socket_(ex),
      writer_(socket_, write_limit) {}

tcp_endpoint::~tcp_endpoint() { vanish(); }

std::optional<std::string> tcp_endpoint::open() {
    boost::system::error_code ec;
    net::ip::tcp::resolver resolver(ex_);
    auto results = resolver.resolve(host_, std::to_string(port_), ec);
    if (ec || results.empty()) return "resolve " + host_ + ": " + ec.message();
    const auto where = results.begin()->endpoint();
    acceptor_.open(where.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(where, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (!ec) bound_ = acceptor_.local_endpoint(ec);
    if (ec) {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        return "listen on " + host_ + ":" + std::to_string(port_) + ": " + ec.message();
    }
    port_ = bound_.port();  // so that a vanished port comes back on the same number
    ++generation_;
    net::co_spawn(ex_, accept_loop(generation_), net::detached);
    return std::nullopt;
}

std::string tcp_endpoint::ready_text() const {
    const auto address = bound_.address();
    const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return "tcp=" + host + ":" + std::to_string(bound_.port());
}

void tcp_endpoint::vanish() {
    ++generation_;
    connected_ = false;
    writer_.reset();
    // Listener first: a client that sees its connection end and dials again at once must
    // find the port gone, not land in the old listener's backlog.
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    socket_.close(ignored);
}

void tcp_endpoint::write(std::string_view bytes) {
    // Like ser2net: what the printer says while nobody is connected is lost.
    if (connected_) writer_.write(bytes);
}

net::awaitable<void> tcp_endpoint::accept_loop(unsigned generation) {
    net::steady_timer pause(ex_);
    for (;;) {
        // One client at a time: the next one waits in the backlog until this one leaves.
        auto [ec, peer] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
        if (generation != generation_ || ec == net::error::operation_aborted) co_return;
        if (ec) {
            spdlog::debug("accept: {}", ec.message());
            pause.expires_after(std::chrono::milliseconds(10));
            co_await pause.async_wait(net::as_tuple(net::use_awaitable));
            if (generation != generation_) co_return;
            continue;
        }
        socket_ = std::move(peer);
        socket_.set_option(net::ip::tcp::no_delay(true), ec);
        connected_ = true;
        spdlog::debug("client connected");
        co_await read_loop(generation);
        if (generation != generation_) co_return;
        connected_ = false;
        writer_.reset();
        boost::system::error_code ignored;
        socket_.close(ignored);
        spdlog::debug("client left");
    }
}

net::awaitable<void> tcp_endpoint::read_loop(unsigned generation) {
    std::array<char, 4096> buffer{};
    net::steady_timer pause(ex_);
    for (;;) {
        while (!sink_.can_take_more()) {
            pause.expires_after(std::chrono::milliseconds(1));
            co_await pause.async_wait(net::as_tuple(net::use_awaitable));
            if (generation != generation_) co_return;
        }
        auto [ec, n] =
            co_await socket_.async_read_some(net::buffer(buffer), net::as_tuple(net::use_awaitable));
        if (generation != generation_ || ec) co_return;
        sink_.on_bytes(std::string_view(buffer.data(), n));
    }
}

}  // namespace printgate::sim
