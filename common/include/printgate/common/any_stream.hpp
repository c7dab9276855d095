#pragma once
// A byte stream of any concrete type (TCP socket, TLS stream, tunnel stream) behind one
// non-template type, so that the HTTP code of the edge and the relay is compiled once and
// serves a LAN socket, a TLS connection and a tunnel stream alike.
//
// any_stream models Asio's AsyncReadStream and AsyncWriteStream: Beast's http::async_read,
// http::async_write and websocket::stream<any_stream> work on it unchanged. Buffer sequences
// are flattened to at most `max_buffers` entries per operation (a partial read or write is
// always allowed by the concept, so nothing is lost).
#include <array>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

namespace printgate::common {

namespace net = boost::asio;
using boost::system::error_code;

// A fixed-capacity buffer sequence: cheap to copy into the wrapped stream's operation.
template <class Buffer>
struct buffer_list {
    static constexpr std::size_t capacity = 16;
    std::array<Buffer, capacity> items{};
    std::size_t count = 0;

    [[nodiscard]] const Buffer* begin() const { return items.data(); }
    [[nodiscard]] const Buffer* end() const { return items.data() + count; }

    template <class Sequence>
    static buffer_list from(const Sequence& sequence) {
        buffer_list list;
        for (auto it = net::buffer_sequence_begin(sequence);
             it != net::buffer_sequence_end(sequence) && list.count < capacity; ++it) {
            Buffer b(*it);
            if (b.size() != 0) list.items[list.count++] = b;
        }
        return list;
    }
};

using io_handler = net::any_completion_handler<void(error_code, std::size_t)>;
using done_handler = net::any_completion_handler<void(error_code)>;

class any_stream {
public:
    using executor_type = net::any_io_executor;

    any_stream() = default;

    // Takes ownership of `stream` (moved in). `peer` names the far end for logs and for the
    // identity headers the relay writes ("203.0.113.7:51234", "tunnel:printer1/17").
    template <class Stream>
        requires(!std::is_same_v<std::decay_t<Stream>, any_stream>)
    explicit any_stream(Stream&& stream, std::string peer = {})
        : impl_(std::make_unique<model<std::decay_t<Stream>>>(std::forward<Stream>(stream))),
          peer_(std::move(peer)) {}

    any_stream(any_stream&&) noexcept = default;
    any_stream& operator=(any_stream&&) noexcept = default;

    [[nodiscard]] explicit operator bool() const { return impl_ != nullptr; }
    [[nodiscard]] executor_type get_executor() const { return impl_->executor(); }
    [[nodiscard]] const std::string& peer() const { return peer_; }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
        auto list = buffer_list<net::mutable_buffer>::from(buffers);
        return net::async_initiate<Token, void(error_code, std::size_t)>(
            [this, list](io_handler handler) { impl_->read_some(list, std::move(handler)); },
            token);
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
        auto list = buffer_list<net::const_buffer>::from(buffers);
        return net::async_initiate<Token, void(error_code, std::size_t)>(
            [this, list](io_handler handler) { impl_->write_some(list, std::move(handler)); },
            token);
    }

    // Graceful end of the sending direction: TLS close_notify, TCP FIN, tunnel FIN.
    template <class Token>
    auto async_shutdown(Token&& token) {
        return net::async_initiate<Token, void(error_code)>(
            [this](done_handler handler) { impl_->shutdown(std::move(handler)); }, token);
    }

    // Abortive close; pending operations complete with operation_aborted.
    void close() {
        if (impl_) impl_->close();
    }

    // The wrapped stream, when the caller knows its type (nullptr otherwise).
    template <class Stream>
    [[nodiscard]] Stream* target() {
        auto* m = dynamic_cast<model<Stream>*>(impl_.get());
        return m ? &m->stream : nullptr;
    }

private:
    struct concept_t {
        virtual ~concept_t() = default;
        virtual executor_type executor() = 0;
        virtual void read_some(const buffer_list<net::mutable_buffer>& b, io_handler h) = 0;
        virtual void write_some(const buffer_list<net::const_buffer>& b, io_handler h) = 0;
        virtual void shutdown(done_handler h) = 0;
        virtual void close() = 0;
    };

    template <class Stream>
    struct model final : concept_t {
        Stream stream;
        explicit model(Stream&& s) : stream(std::move(s)) {}

        executor_type executor() override { return stream.get_executor(); }
        void read_some(const buffer_list<net::mutable_buffer>& b, io_handler h) override {
            stream.async_read_some(b, std::move(h));
        }
        void write_some(const buffer_list<net::const_buffer>& b, io_handler h) override {
            stream.async_write_some(b, std::move(h));
        }
        void shutdown(done_handler h) override {
            if constexpr (requires { stream.async_shutdown(std::move(h)); }) {
                stream.async_shutdown(std::move(h));
            } else {
                error_code ec;
                stream.shutdown(Stream::shutdown_send, ec);
                net::post(stream.get_executor(), [h = std::move(h), ec]() mutable {
                    std::move(h)(ec);
                });
            }
        }
        void close() override {
            error_code ec;
            if constexpr (requires { stream.close(ec); }) {
                stream.close(ec);
            } else if constexpr (requires { stream.lowest_layer().close(ec); }) {
                stream.lowest_layer().close(ec);
            } else {
                stream.close();
            }
        }
    };

    std::unique_ptr<concept_t> impl_;
    std::string peer_;
};

}  // namespace printgate::common
