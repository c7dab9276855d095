#include "printgate/tunnel/tls_stream.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>

namespace printgate::tunnel {
namespace {

// Records arriving back to back are read from the socket at once (read-ahead): one recv for
// several records during a bulk transfer. Released while empty, like every record buffer.
constexpr std::size_t read_buffer_bytes = 64 * 1024;

// A socket BIO whose writes never raise SIGPIPE (the relay does not ignore it), reading
// and writing the non-blocking socket Asio owns.
int fd_of(BIO* b) { return static_cast<int>(reinterpret_cast<std::intptr_t>(BIO_get_data(b))); }

int bio_write(BIO* b, const char* data, int size) {
    BIO_clear_retry_flags(b);
    ssize_t n = ::send(fd_of(b), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_write(b);
    return static_cast<int>(n);
}

int bio_read(BIO* b, char* data, int size) {
    BIO_clear_retry_flags(b);
    ssize_t n = ::recv(fd_of(b), data, static_cast<std::size_t>(size), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) BIO_set_retry_read(b);
    return static_cast<int>(n);
}

long bio_ctrl(BIO* /*b*/, int cmd, long /*num*/, void* /*ptr*/) {
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;  // nothing is buffered here
}

int bio_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

BIO_METHOD* socket_method() {
    static BIO_METHOD* method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "printgate socket");
        if (m == nullptr) return m;
        BIO_meth_set_write(m, bio_write);
        BIO_meth_set_read(m, bio_read);
        BIO_meth_set_ctrl(m, bio_ctrl);
        BIO_meth_set_create(m, bio_create);
        return m;
    }();
    return method;
}

error_code failure(SSL* ssl, int ret) {
    int err = SSL_get_error(ssl, ret);
    if (err == SSL_ERROR_ZERO_RETURN) return net::error::eof;
    unsigned long e = ERR_get_error();
    if (e != 0) {
        if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            return net::ssl::error::stream_truncated;
        return {static_cast<int>(e), net::error::get_ssl_category()};
    }
    if (err == SSL_ERROR_SYSCALL && errno != 0) return {errno, boost::system::system_category()};
    return net::error::eof;
}

bool wants_io(int err) { return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE; }

net::socket_base::wait_type wait_for(int err) {
    return err == SSL_ERROR_WANT_READ ? net::socket_base::wait_read : net::socket_base::wait_write;
}

// An operation that finishes at once completes through the executor, never inside the
// initiating call; one that waited is already running as a handler.
template <class Handler, class... Args>
void finish(const net::any_io_executor& ex, bool first, Handler handler, Args... args) {
    if (first)
        net::post(ex, [h = std::move(handler), args...]() mutable { std::move(h)(args...); });
    else
        std::move(handler)(args...);
}

}  // namespace

tls_stream::tls_stream(net::ip::tcp::socket socket, net::ssl::context& context) : socket_(std::move(socket)) {
    ssl_ = SSL_new(context.native_handle());
    BIO* bio = socket_method() ? BIO_new(socket_method()) : nullptr;
    if (ssl_ == nullptr || bio == nullptr) {
        BIO_free(bio);
        setup_error_ = net::error::no_memory;
        return;
    }
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<std::intptr_t>(socket_.native_handle())));
    SSL_set_bio(ssl_, bio, bio);
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    SSL_set_read_ahead(ssl_, 1);
    SSL_set_default_read_buffer_len(ssl_, read_buffer_bytes);
    socket_.non_blocking(true, setup_error_);
}

tls_stream::tls_stream(tls_stream&& other) noexcept
    : socket_(std::move(other.socket_)), ssl_(std::exchange(other.ssl_, nullptr)), setup_error_(other.setup_error_) {}

tls_stream& tls_stream::operator=(tls_stream&& other) noexcept {
    if (this != &other) {
        if (ssl_ != nullptr) SSL_free(ssl_);
        socket_ = std::move(other.socket_);
        ssl_ = std::exchange(other.ssl_, nullptr);
        setup_error_ = other.setup_error_;
    }
    return *this;
}

tls_stream::~tls_stream() {
    if (ssl_ != nullptr) SSL_free(ssl_);
}

void tls_stream::start_handshake(handshake_type type, common::done_handler handler) {
    if (setup_error_) return finish(get_executor(), true, std::move(handler), setup_error_);
    if (type == handshake_type::client) SSL_set_connect_state(ssl_);
    else SSL_set_accept_state(ssl_);
    step(op::handshake, std::move(handler), true);
}

void tls_stream::start_shutdown(common::done_handler handler) {
    if (setup_error_) return finish(get_executor(), true, std::move(handler), setup_error_);
    step(op::shutdown, std::move(handler), true);
}

void tls_stream::step(op which, common::done_handler handler, bool first) {
    ERR_clear_error();
    int r = which == op::handshake ? SSL_do_handshake(ssl_) : SSL_shutdown(ssl_);
    // SSL_shutdown gives 0 once our close_notify is out and the peer's has not come yet.
    if (r == 1 || (which == op::shutdown && r == 0)) return finish(get_executor(), first, std::move(handler), error_code{});
    int err = SSL_get_error(ssl_, r);
    if (!wants_io(err)) return finish(get_executor(), first, std::move(handler), failure(ssl_, r));
    socket_.async_wait(wait_for(err), [this, which, h = std::move(handler)](error_code ec) mutable {
        if (ec) return finish(get_executor(), false, std::move(h), ec);
        step(which, std::move(h), false);
    });
}

void tls_stream::start_read(const common::buffer_list<net::mutable_buffer>& buffers, common::io_handler handler) {
    net::mutable_buffer buffer;
    for (const auto& b : buffers) {
        buffer = b;
        break;
    }
    if (setup_error_) return finish(get_executor(), true, std::move(handler), setup_error_, std::size_t{0});
    if (buffer.size() == 0) return finish(get_executor(), true, std::move(handler), error_code{}, std::size_t{0});
    read_step(buffer, std::move(handler), true);
}

void tls_stream::read_step(net::mutable_buffer buffer, common::io_handler handler, bool first) {
    auto* data = static_cast<char*>(buffer.data());
    std::size_t total = 0;
    // Several records at once while they are there: fewer trips through the session's reader.
    while (total < buffer.size()) {
        std::size_t got = 0;
        ERR_clear_error();
        int r = SSL_read_ex(ssl_, data + total, buffer.size() - total, &got);
        if (r == 1) {
            total += got;
            continue;
        }
        if (total > 0) break;  // deliver these; an error shows again on the next read
        int err = SSL_get_error(ssl_, r);
        if (!wants_io(err)) return finish(get_executor(), first, std::move(handler), failure(ssl_, r), std::size_t{0});
        socket_.async_wait(wait_for(err), [this, buffer, h = std::move(handler)](error_code ec) mutable {
            if (ec) return finish(get_executor(), false, std::move(h), ec, std::size_t{0});
            read_step(buffer, std::move(h), false);
        });
        return;
    }
    finish(get_executor(), first, std::move(handler), error_code{}, total);
}

void tls_stream::start_write(const common::buffer_list<net::const_buffer>& buffers, common::io_handler handler) {
    if (setup_error_) return finish(get_executor(), true, std::move(handler), setup_error_, std::size_t{0});
    if (buffers.count == 0) return finish(get_executor(), true, std::move(handler), error_code{}, std::size_t{0});
    write_step(buffers, std::move(handler), true);
}

std::size_t tls_stream::write_record(const common::buffer_list<net::const_buffer>& buffers, std::size_t offset,
                                     int& result) {
    // Find the buffer holding `offset`.
    std::size_t i = 0;
    while (i < buffers.count && offset >= buffers.items[i].size()) offset -= buffers.items[i++].size();
    const auto* here = static_cast<const char*>(buffers.items[i].data()) + offset;
    const std::size_t left_here = buffers.items[i].size() - offset;
    std::size_t put = 0;
    ERR_clear_error();
    if (left_here >= record_bytes || i + 1 == buffers.count) {
        result = SSL_write_ex(ssl_, here, left_here, &put);
        return put;
    }
    // A small piece followed by more (Beast's head then body, a chunk's size line then its
    // data): one record for them rather than a record and a send() each. A retry after
    // WANT_WRITE gathers the same bytes again, as OpenSSL requires.
    std::array<char, record_bytes> gathered;
    std::size_t n = 0;
    for (std::size_t j = i; j < buffers.count && n < gathered.size(); ++j) {
        const auto* from = j == i ? here : static_cast<const char*>(buffers.items[j].data());
        const std::size_t size = j == i ? left_here : buffers.items[j].size();
        const std::size_t take = std::min(size, gathered.size() - n);
        std::memcpy(gathered.data() + n, from, take);
        n += take;
    }
    result = SSL_write_ex(ssl_, gathered.data(), n, &put);
    return put;
}

void tls_stream::write_step(const common::buffer_list<net::const_buffer>& buffers, common::io_handler handler,
                            bool first) {
    std::size_t size = 0;
    for (const auto& b : buffers) size += b.size();
    std::size_t total = 0;
    // With partial writes on, each SSL_write_ex puts one record on the socket. A record the
    // socket took only in part stays with OpenSSL; its bytes are not counted, so the
    // caller's next write starts with them, as OpenSSL requires.
    while (total < size) {
        int r = 0;
        const std::size_t put = write_record(buffers, total, r);
        if (r == 1) {
            total += put;
            continue;
        }
        if (total > 0) break;
        int err = SSL_get_error(ssl_, r);
        if (!wants_io(err)) return finish(get_executor(), first, std::move(handler), failure(ssl_, r), std::size_t{0});
        socket_.async_wait(wait_for(err), [this, buffers, h = std::move(handler)](error_code ec) mutable {
            if (ec) return finish(get_executor(), false, std::move(h), ec, std::size_t{0});
            write_step(buffers, std::move(h), false);
        });
        return;
    }
    finish(get_executor(), first, std::move(handler), error_code{}, total);
}

}  // namespace printgate::tunnel
