#pragma once
// The byte pipe to a printer: a USB serial port (libserialport), any other tty (termios,
// e.g. the simulator's pty), or tcp://host:port (ser2net, ESP3D). All asynchronous.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>

#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace printgate::printer {

namespace net = boost::asio;

// Baud rates tried by autodetection, most likely first (250000 is Marlin's default on
// 8-bit boards, 115200 on most 32-bit ones).
const std::vector<unsigned>& autodetect_bauds();

class link {
public:
    enum class kind { serial, tty, tcp };

    // `target` is a device path, "usb:VID:PID[:SERIAL]" or "tcp://host:port". A baud rate
    // of 0 leaves the port's speed alone (the caller autodetects).
    static net::awaitable<std::unique_ptr<link>> open(net::any_io_executor ex, std::string target, unsigned baud,
                                                      std::error_code& ec, std::string& error_text);
    virtual ~link() = default;

    virtual net::awaitable<std::size_t> read_some(net::mutable_buffer buffer, std::error_code& ec) = 0;
    virtual net::awaitable<void> write_all(net::const_buffer buffer, std::error_code& ec) = 0;
    // Writes what the port takes at once, without waiting, and returns how many bytes that
    // was (0 with `ec` would_block when it takes nothing now). Never while a write_all runs.
    virtual std::size_t try_write(net::const_buffer buffer, std::error_code& ec) = 0;
    // Changes the speed (serial and tty only); false when the port refuses it.
    virtual bool set_baud(unsigned baud) = 0;
    // Drops whatever the printer sent that nobody read yet.
    virtual void discard_input() = 0;
    virtual void close() = 0;
    virtual kind type() const = 0;
    // Whether changing the baud rate can matter (false for ptys and TCP).
    virtual bool has_baud() const = 0;
    const std::string& description() const { return description_; }

protected:
    std::string description_;
};

}  // namespace printgate::printer
