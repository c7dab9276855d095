#pragma once
// The tunnel's TLS connection: OpenSSL reads and writes the TCP socket itself and Asio only
// waits for the socket to become readable or writable. asio::ssl::stream keeps two 17 KiB
// buffers and a 17 KiB BIO pair per connection, busy or idle, and copies every byte between
// them; a relay holding thousands of idle tunnels pays that per tunnel, and a bulk transfer
// pays the copies. Here an idle connection holds only OpenSSL's state (record buffers are
// released while empty), and a read or write moves many records per call.
//
// Models Asio's AsyncReadStream and AsyncWriteStream (and common::any_stream's shutdown and
// close). Threading: one executor (the socket's); one read and one write may be pending at
// the same time, as on a socket. The contexts come from tls.hpp, so the handshake checks
// exactly what it checks with asio::ssl::stream.
#include <cstddef>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>

#include "printgate/common/any_stream.hpp"

using SSL = struct ssl_st;

namespace printgate::tunnel {

namespace net = boost::asio;
using boost::system::error_code;

class tls_stream {
public:
    using executor_type = net::any_io_executor;
    using handshake_type = net::ssl::stream_base::handshake_type;

    tls_stream(net::ip::tcp::socket socket, net::ssl::context& context);
    tls_stream(tls_stream&& other) noexcept;
    tls_stream& operator=(tls_stream&& other) noexcept;
    tls_stream(const tls_stream&) = delete;
    tls_stream& operator=(const tls_stream&) = delete;
    ~tls_stream();

    [[nodiscard]] executor_type get_executor() { return socket_.get_executor(); }
    [[nodiscard]] SSL* native_handle() const { return ssl_; }
    [[nodiscard]] net::ip::tcp::socket& socket() { return socket_; }
    // Aborts pending operations and closes the socket.
    void close(error_code& ec) { socket_.close(ec); }

    template <class Token>
    auto async_handshake(handshake_type type, Token&& token) {
        return net::async_initiate<Token, void(error_code)>(
            [this, type](common::done_handler handler) { start_handshake(type, std::move(handler)); }, token);
    }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        auto list = common::buffer_list<net::mutable_buffer>::from(buffers);
        return net::async_initiate<Token, void(error_code, std::size_t)>(
            [this, list](common::io_handler handler) { start_read(list, std::move(handler)); }, token);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        auto list = common::buffer_list<net::const_buffer>::from(buffers);
        return net::async_initiate<Token, void(error_code, std::size_t)>(
            [this, list](common::io_handler handler) { start_write(list, std::move(handler)); }, token);
    }

    // Sends close_notify (does not wait for the peer's).
    template <class Token>
    auto async_shutdown(Token&& token) {
        return net::async_initiate<Token, void(error_code)>(
            [this](common::done_handler handler) { start_shutdown(std::move(handler)); }, token);
    }

private:
    enum class op { handshake, shutdown };

    void start_handshake(handshake_type type, common::done_handler handler);
    void start_shutdown(common::done_handler handler);
    void start_read(const common::buffer_list<net::mutable_buffer>& buffers, common::io_handler handler);
    void start_write(const common::buffer_list<net::const_buffer>& buffers, common::io_handler handler);

    void step(op which, common::done_handler handler, bool first);
    void read_step(net::mutable_buffer buffer, common::io_handler handler, bool first);
    void write_step(const common::buffer_list<net::const_buffer>& buffers, common::io_handler handler, bool first);
    // One SSL_write_ex of the bytes from `offset` on: straight from the caller's buffer, or
    // gathered when a small buffer is followed by more. Returns what OpenSSL took.
    std::size_t write_record(const common::buffer_list<net::const_buffer>& buffers, std::size_t offset, int& result);

    // A TLS record's largest plaintext.
    static constexpr std::size_t record_bytes = 16 * 1024;

    net::ip::tcp::socket socket_;
    SSL* ssl_ = nullptr;
    error_code setup_error_;
};

}  // namespace printgate::tunnel
