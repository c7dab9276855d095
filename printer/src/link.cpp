#include "printgate/printer/link.hpp"

#include "printgate/printer/serial_ports.hpp"
#include "tty_speed.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <libserialport.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace printgate::printer {

namespace {

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

bool is_pseudo_terminal(const std::string& path) {
    std::error_code ec;
    auto real = std::filesystem::canonical(path, ec);
    return !ec && (real.string().starts_with("/dev/pts/") || real.string() == "/dev/ptmx");
}

// One non-blocking write(2): the stream's user-visible non-blocking mode makes write_some
// return would_block instead of waiting (Asio's own asynchronous operations ignore it).
template <typename Stream>
std::size_t write_now(Stream& stream, net::const_buffer buffer, std::error_code& ec) {
    boost::system::error_code e;
    if (!stream.non_blocking()) stream.non_blocking(true, e);
    std::size_t n = e ? 0 : stream.write_some(buffer, e);
    ec = e;
    return n;
}

// A tty or USB serial port seen through its file descriptor.
class descriptor_link final : public link {
public:
    descriptor_link(net::any_io_executor ex, int fd, sp_port* port, kind k, std::string description)
        : stream_(ex, fd), port_(port), kind_(k) {
        description_ = std::move(description);
    }
    ~descriptor_link() override { close(); }

    net::awaitable<std::size_t> read_some(net::mutable_buffer buffer, std::error_code& ec) override {
        auto [e, n] = co_await stream_.async_read_some(buffer, use_tuple);
        ec = e;
        co_return n;
    }
    net::awaitable<void> write_all(net::const_buffer buffer, std::error_code& ec) override {
        auto [e, n] = co_await net::async_write(stream_, buffer, use_tuple);
        ec = e;
    }
    std::size_t try_write(net::const_buffer buffer, std::error_code& ec) override {
        return write_now(stream_, buffer, ec);
    }
    bool set_baud(unsigned baud) override {
        if (!stream_.is_open()) return false;
        if (port_ != nullptr) return sp_set_baudrate(port_, static_cast<int>(baud)) == SP_OK;
        return detail::set_tty_speed(stream_.native_handle(), baud);
    }
    void discard_input() override {
        if (!stream_.is_open()) return;
        if (port_ != nullptr)
            sp_flush(port_, SP_BUF_INPUT);
        else
            detail::flush_tty_input(stream_.native_handle());
    }
    void close() override {
        boost::system::error_code ignored;
        if (port_ != nullptr) {
            // libserialport owns the descriptor: stop Asio from closing it twice.
            if (stream_.is_open()) {
                stream_.cancel(ignored);
                stream_.release();
            }
            sp_close(port_);
            sp_free_port(port_);
            port_ = nullptr;
        } else if (stream_.is_open()) {
            stream_.close(ignored);
        }
    }
    kind type() const override { return kind_; }
    bool has_baud() const override { return !pseudo_; }
    void set_pseudo(bool p) { pseudo_ = p; }

private:
    net::posix::stream_descriptor stream_;
    sp_port* port_;
    kind kind_;
    bool pseudo_ = false;
};

class tcp_link final : public link {
public:
    tcp_link(net::ip::tcp::socket socket, std::string description) : socket_(std::move(socket)) {
        description_ = std::move(description);
    }
    ~tcp_link() override { close(); }

    net::awaitable<std::size_t> read_some(net::mutable_buffer buffer, std::error_code& ec) override {
        auto [e, n] = co_await socket_.async_read_some(buffer, use_tuple);
        ec = e;
        co_return n;
    }
    net::awaitable<void> write_all(net::const_buffer buffer, std::error_code& ec) override {
        auto [e, n] = co_await net::async_write(socket_, buffer, use_tuple);
        ec = e;
    }
    std::size_t try_write(net::const_buffer buffer, std::error_code& ec) override {
        return write_now(socket_, buffer, ec);
    }
    bool set_baud(unsigned) override { return true; }
    void discard_input() override {}
    void close() override {
        boost::system::error_code ignored;
        if (socket_.is_open()) {
            socket_.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
            socket_.close(ignored);
        }
    }
    kind type() const override { return kind::tcp; }
    bool has_baud() const override { return false; }

private:
    net::ip::tcp::socket socket_;
};

std::string errno_text(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// libserialport for real serial hardware; it refuses ptys, which go through termios.
std::unique_ptr<link> open_serial(net::any_io_executor ex, const std::string& path, unsigned baud,
                                  std::error_code& ec, std::string& error_text) {
    if (!is_pseudo_terminal(path)) {
        sp_port* port = nullptr;
        if (sp_get_port_by_name(path.c_str(), &port) == SP_OK) {
            if (sp_open(port, SP_MODE_READ_WRITE) == SP_OK) {
                sp_set_bits(port, 8);
                sp_set_parity(port, SP_PARITY_NONE);
                sp_set_stopbits(port, 1);
                sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE);
                if (baud != 0 && sp_set_baudrate(port, static_cast<int>(baud)) != SP_OK) {
                    error_text = path + ": the port refuses " + std::to_string(baud) + " baud";
                    sp_close(port);
                    sp_free_port(port);
                    ec = std::make_error_code(std::errc::invalid_argument);
                    return nullptr;
                }
                int fd = -1;
                sp_get_port_handle(port, &fd);
                return std::make_unique<descriptor_link>(ex, fd, port, link::kind::serial, path);
            }
            sp_free_port(port);
        }
    }
    int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        ec = std::error_code(errno, std::generic_category());
        error_text = errno_text("cannot open " + path, errno);
        return nullptr;
    }
    if (!detail::set_raw_mode(fd)) {
        ec = std::error_code(errno, std::generic_category());
        error_text = path + " is not a serial port or terminal";
        ::close(fd);
        return nullptr;
    }
    bool pseudo = is_pseudo_terminal(path);
    if (baud != 0 && !pseudo) detail::set_tty_speed(fd, baud);
    auto l = std::make_unique<descriptor_link>(ex, fd, nullptr, link::kind::tty, path);
    l->set_pseudo(pseudo);
    return l;
}

}  // namespace

const std::vector<unsigned>& autodetect_bauds() {
    static const std::vector<unsigned> bauds = {250000, 115200, 230400, 500000, 57600, 38400, 19200, 9600};
    return bauds;
}

net::awaitable<std::unique_ptr<link>> link::open(net::any_io_executor ex, std::string target, unsigned baud,
                                                 std::error_code& ec, std::string& error_text) {
    ec.clear();
    if (target.starts_with("tcp://")) {
        std::string hostport = target.substr(6);
        auto colon = hostport.rfind(':');
        if (colon == std::string::npos || colon == 0) {
            ec = std::make_error_code(std::errc::invalid_argument);
            error_text = "expected tcp://HOST:PORT, got '" + target + "'";
            co_return nullptr;
        }
        std::string host = hostport.substr(0, colon);
        if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        net::ip::tcp::resolver resolver(ex);
        auto [rec, endpoints] = co_await resolver.async_resolve(host, hostport.substr(colon + 1), use_tuple);
        if (rec) {
            ec = rec;
            error_text = "cannot resolve " + target + ": " + rec.message();
            co_return nullptr;
        }
        net::ip::tcp::socket socket(ex);
        auto [cec, ep] = co_await net::async_connect(socket, endpoints, use_tuple);
        if (cec) {
            ec = cec;
            error_text = "cannot connect to " + target + ": " + cec.message();
            co_return nullptr;
        }
        socket.set_option(net::ip::tcp::no_delay(true));
        co_return std::make_unique<tcp_link>(std::move(socket), target);
    }
    std::string path = target;
    if (target.starts_with("usb:")) {
        auto found = find_usb_port(target, error_text);
        if (!found) {
            ec = std::make_error_code(std::errc::no_such_device);
            co_return nullptr;
        }
        path = *found;
    }
    co_return open_serial(ex, path, baud, ec, error_text);
}

}  // namespace printgate::printer
