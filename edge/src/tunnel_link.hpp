#pragma once
// The edge's side of the tunnel, as `printgate-edge run` uses it: when the state folder holds
// a pairing (`printgate-edge pair CODE`), keep one tunnel to the relay up forever and serve
// the same HTTP application on every stream the relay opens as on the local listener, with
// identity headers believed (connection_info::via_tunnel).
#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace printgate::edge {

class edge_app;

// Where pairing keeps the device key, its certificate and the relay's address.
std::filesystem::path tunnel_dir(const std::filesystem::path& state_dir);

struct tunnel_link_options {
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{60000};
};

class tunnel_link {
public:
    // Not paired: nullptr and `why` says so (the edge then serves its listener only).
    // A damaged pairing is also nullptr, with `why` naming the file.
    static std::unique_ptr<tunnel_link> start(boost::asio::any_io_executor ex, edge_app& app,
                                              tunnel_link_options options, std::string& why);
    ~tunnel_link();
    void stop();

    const std::string& relay() const { return relay_; }    // "host:port"
    const std::string& device() const { return device_; }  // the name the relay knows us by

private:
    struct impl;
    explicit tunnel_link(std::unique_ptr<impl> impl);
    std::unique_ptr<impl> impl_;
    std::string relay_, device_;
};

}  // namespace printgate::edge
