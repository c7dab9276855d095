#pragma once
// One logical stream of a tunnel session: an Asio AsyncReadStream + AsyncWriteStream, so
// Beast's http::async_read/async_write, websocket::stream and common::any_stream work on it.
//
// Threading: a stream belongs to its session's executor (the transport's, one io_context
// thread). Call its functions and start its operations on that executor only.
//
// Semantics: a read completes with whatever is buffered (at least one byte); after the
// peer's FIN and the buffered bytes it gives net::error::eof; after the peer's RST
// net::error::connection_reset; after close() or the session's end operation_aborted /
// connection_aborted. A write completes once its bytes are queued for the transport (up
// to the peer's receive window: a partial write is normal). async_shutdown sends FIN after
// the queued bytes. close() sends RST. Destroying a stream that is not shut down resets it;
// destroying one after shutdown keeps it until the peer's FIN, discarding what arrives.
#include <cstdint>
#include <memory>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>

#include "printgate/common/any_stream.hpp"

namespace printgate::tunnel {

namespace net = boost::asio;
using boost::system::error_code;

class session;
namespace detail {
struct stream_state;
}

class stream {
public:
    using executor_type = net::any_io_executor;

    stream() = default;
    stream(stream&& other) noexcept = default;
    stream& operator=(stream&& other) noexcept;
    stream(const stream&) = delete;
    stream& operator=(const stream&) = delete;
    ~stream();

    [[nodiscard]] explicit operator bool() const { return state_ != nullptr; }
    [[nodiscard]] executor_type get_executor() const;

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        auto list = common::buffer_list<net::mutable_buffer>::from(buffers);
        return net::async_initiate<Token, void(error_code, std::size_t)>(
            [this, list](common::io_handler handler) { start_read(list, std::move(handler)); },
            token);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        auto list = common::buffer_list<net::const_buffer>::from(buffers);
        return net::async_initiate<Token, void(error_code, std::size_t)>(
            [this, list](common::io_handler handler) { start_write(list, std::move(handler)); },
            token);
    }

    // Half close: FIN after everything written so far. Completes when the FIN is queued.
    template <class Token>
    auto async_shutdown(Token&& token) {
        return net::async_initiate<Token, void(error_code)>(
            [this](common::done_handler handler) { start_shutdown(std::move(handler)); },
            token);
    }

    // Abortive: RST to the peer; pending operations complete with operation_aborted.
    void close();

    [[nodiscard]] std::uint32_t id() const;

private:
    friend class session;
    stream(std::shared_ptr<session> owner, std::shared_ptr<detail::stream_state> state);

    void start_read(const common::buffer_list<net::mutable_buffer>& buffers,
                    common::io_handler handler);
    void start_write(const common::buffer_list<net::const_buffer>& buffers,
                     common::io_handler handler);
    void start_shutdown(common::done_handler handler);
    void release();

    std::shared_ptr<session> session_;
    std::shared_ptr<detail::stream_state> state_;
};

}  // namespace printgate::tunnel
