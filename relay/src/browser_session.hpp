#pragma once
// One browser connection: TLS handshake (with a deadline), then requests one after the
// other on the keep-alive connection. Each request is validated (Host by DNS label rules,
// SNI must match it), routed by Host (zone apex -> the relay's pages, NAME.ZONE -> the gate,
// then the proxy to device NAME, anything else -> 421/404), and answered.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <printgate/common/any_stream.hpp>

#include "browser_options.hpp"
#include "browser_stats.hpp"
#include "camera_fanout.hpp"
#include "device_directory.hpp"
#include "gate.hpp"
#include "http_page_handler.hpp"
#include "proxy.hpp"
#include "proxy_deadline.hpp"

namespace printgate::relay {

// What every session of one listener shares. Owned by the listener through a shared_ptr
// that each session also holds; directory, gate and pages must outlive the sessions.
struct browser_context {
    browser_context(browser_options o, device_directory& d, gate& g, page_handler& p)
        : options(std::move(o)), devices(d), gate_check(g), pages(p) {}

    browser_options options;
    device_directory& devices;
    gate& gate_check;
    page_handler& pages;
    browser_stats stats;
    camera_fanout cameras{devices};  // /webcam streams and snapshots: one tunnel stream per camera
};

class browser_session : public std::enable_shared_from_this<browser_session> {
public:
    browser_session(boost::asio::ip::tcp::socket socket,
                    std::shared_ptr<boost::asio::ssl::context> tls,
                    std::shared_ptr<browser_context> context);
    ~browser_session();

    // Runs the connection to its end; co_spawn on the socket's executor.
    boost::asio::awaitable<void> run();
    [[nodiscard]] common::any_stream::executor_type get_executor() const {
        return browser_.get_executor();
    }
    // Ends the connection from outside (listener stopping); call on the session's executor.
    void close();

private:
    enum class next { keep_alive, close };
    boost::asio::awaitable<void> serve();
    boost::asio::awaitable<next> handle(request_parser& parser);
    boost::asio::awaitable<next> reply(const http_reply& reply, unsigned version, bool keep_alive,
                                       bool head_only, bool body_unread);

    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::shared_ptr<browser_context> context_;
    common::any_stream browser_;
    boost::beast::flat_buffer buffer_;
    proxy_deadline deadline_;
    peer_info peer_;
    std::string sni_;
    std::unique_ptr<proxy> proxy_;
};

}  // namespace printgate::relay
