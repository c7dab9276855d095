#pragma once
// The relay's HTTPS listener for browsers. Accepts TCP connections (at most
// browser_options::max_connections at once; more are closed at once), and runs one
// browser_session per connection, all on the listener's executor: the relay runs one I/O
// thread, so a connection needs no strand of its own.
//
//   browser_listener listener(io.get_executor(), options, devices, gate, pages);
//   if (auto ec = listener.open(endpoint, "chain.pem", "key.pem")) ...;
//   net::co_spawn(io, listener.run(), net::detached);
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "browser_options.hpp"
#include "browser_stats.hpp"
#include "device_directory.hpp"
#include "gate.hpp"
#include "http_page_handler.hpp"

namespace boost::asio::ssl {
class context;
}

namespace printgate::relay {

struct browser_context;
class browser_session;

class browser_listener {
public:
    browser_listener(boost::asio::any_io_executor executor, browser_options options,
                     device_directory& devices, gate& gate_check, page_handler& pages);
    ~browser_listener();
    browser_listener(const browser_listener&) = delete;
    browser_listener& operator=(const browser_listener&) = delete;

    // Loads the certificate chain and key (PEM), binds and listens. On failure the error
    // and what failed (a file, a step) are returned and logged; nothing is listening.
    boost::system::error_code open(const boost::asio::ip::tcp::endpoint& endpoint,
                                   const std::filesystem::path& certificate_chain,
                                   const std::filesystem::path& private_key);
    // A renewed certificate for new connections; live ones keep theirs.
    boost::system::error_code reload_certificate(const std::filesystem::path& certificate_chain,
                                                 const std::filesystem::path& private_key);

    // Called on every TLS context the listener makes (open, reload) before it serves a
    // handshake: --demo mints device certificates there (demo_certificates.hpp).
    void on_tls_context(std::function<void(boost::asio::ssl::context&)> hook) { tls_hook_ = std::move(hook); }

    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
    [[nodiscard]] const browser_stats& stats() const;
    // Why open() or reload_certificate() failed ("private key /etc/..."), empty otherwise.
    [[nodiscard]] const std::string& last_error() const { return last_error_; }

    // Accepts until stop(). The listener must outlive this coroutine.
    boost::asio::awaitable<void> run();
    // Stops accepting and ends every live connection. Thread-safe.
    void stop();

private:
    boost::asio::any_io_executor executor_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<browser_context> context_;
    std::mutex tls_mutex_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::function<void(boost::asio::ssl::context&)> tls_hook_;
    std::string last_error_;

    // Live sessions, so that stop() can end them; shared with each session's coroutine,
    // which removes itself when it ends (possibly after the listener is gone).
    struct session_registry {
        std::mutex mutex;
        std::uint64_t next = 0;
        std::unordered_map<std::uint64_t, std::weak_ptr<browser_session>> sessions;
    };
    std::shared_ptr<session_registry> registry_ = std::make_shared<session_registry>();
};

}  // namespace printgate::relay
