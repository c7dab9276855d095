#pragma once
// The seam between the browser side of the relay (listener, gate, proxy) and its tunnel side
// (device registry, live tunnels). The proxy asks only two things of a device: is it there,
// and give me a fresh byte stream to its HTTP server.
#include <chrono>
#include <string_view>
#include <tuple>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <printgate/common/any_stream.hpp>

namespace printgate::relay {

namespace net = boost::asio;
using boost::system::error_code;

struct device_presence {
    bool known = false;   // the name is a paired, non-revoked device
    bool online = false;  // its tunnel is up right now
    // When the tunnel was last up (a default-constructed time point: never seen).
    std::chrono::system_clock::time_point last_seen{};
};

class device_directory {
public:
    virtual ~device_directory() = default;

    // `device` is the DNS label the browser asked for ("printer1"), already validated.
    virtual device_presence presence(std::string_view device) const = 0;

    // A new stream through the device's tunnel to its HTTP server, or an error (offline,
    // unknown, refused by the edge). One stream serves one browser connection.
    virtual net::awaitable<std::tuple<error_code, common::any_stream>> open_stream(
        std::string_view device) = 0;
};

}  // namespace printgate::relay
