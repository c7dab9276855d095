#include "browser_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "browser_session.hpp"
#include "browser_tls.hpp"

namespace printgate::relay {

namespace net = boost::asio;
using net::ip::tcp;

browser_listener::browser_listener(net::any_io_executor executor, browser_options options,
                                   device_directory& devices, gate& gate_check,
                                   page_handler& pages)
    : executor_(executor), acceptor_(executor),
      context_(std::make_shared<browser_context>(std::move(options), devices, gate_check, pages)) {}

browser_listener::~browser_listener() {
    error_code ignored;
    acceptor_.close(ignored);
}

error_code browser_listener::reload_certificate(const std::filesystem::path& certificate_chain,
                                                const std::filesystem::path& private_key) {
    auto made = make_browser_tls_context(certificate_chain, private_key);
    if (made.error) {
        last_error_ = made.what + ": " + made.error.message();
        spdlog::error("relay: browser TLS: {}", last_error_);
        return made.error;
    }
    if (tls_hook_) tls_hook_(*made.context);
    std::lock_guard lock(tls_mutex_);
    tls_ = std::move(made.context);
    last_error_.clear();
    return {};
}

error_code browser_listener::open(const tcp::endpoint& endpoint,
                                  const std::filesystem::path& certificate_chain,
                                  const std::filesystem::path& private_key) {
    if (auto ec = reload_certificate(certificate_chain, private_key)) return ec;
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        last_error_ = "listen on " + endpoint.address().to_string() + ":" +
                      std::to_string(endpoint.port()) + ": " + ec.message();
        spdlog::error("relay: browser listener: {}", last_error_);
        error_code ignored;
        acceptor_.close(ignored);
    }
    return ec;
}

tcp::endpoint browser_listener::local_endpoint() const {
    error_code ec;
    return acceptor_.local_endpoint(ec);
}

const browser_stats& browser_listener::stats() const { return context_->stats; }

net::awaitable<void> browser_listener::run() {
    auto& stats = context_->stats;
    for (;;) {
        // The relay runs one I/O thread: a strand per connection would only add a lock and
        // an allocation to every completion.
        auto [ec, socket] = co_await acceptor_.async_accept(executor_, net::as_tuple(net::use_awaitable));
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) break;
        if (ec) {
            // EMFILE and friends: keep serving the connections we have.
            spdlog::warn("relay: accept: {}", ec.message());
            continue;
        }
        if (stats.active_connections.load() >= static_cast<std::int64_t>(context_->options.max_connections)) {
            ++stats.connections_refused;
            error_code ignored;
            socket.close(ignored);
            continue;
        }
        ++stats.connections_accepted;
        // A reply's last TLS record must not wait for the browser's delayed ACK (Nagle).
        error_code nodelay_ec;
        socket.set_option(tcp::no_delay(true), nodelay_ec);
        std::shared_ptr<net::ssl::context> tls;
        {
            std::lock_guard lock(tls_mutex_);
            tls = tls_;
        }
        auto session = std::make_shared<browser_session>(std::move(socket), tls, context_);
        std::uint64_t id = 0;
        {
            std::lock_guard lock(registry_->mutex);
            id = registry_->next++;
            registry_->sessions.emplace(id, session);
        }
        net::co_spawn(session->get_executor(),
                      [session, id, registry = registry_]() -> net::awaitable<void> {
                          co_await session->run();
                          std::lock_guard lock(registry->mutex);
                          registry->sessions.erase(id);
                      },
                      net::detached);
    }
}

void browser_listener::stop() {
    net::dispatch(acceptor_.get_executor(), [this] {
        error_code ignored;
        acceptor_.close(ignored);
    });
    std::lock_guard lock(registry_->mutex);
    for (auto& [id, weak] : registry_->sessions) {
        if (auto session = weak.lock())
            net::post(session->get_executor(), [session] { session->close(); });
    }
}

}  // namespace printgate::relay
