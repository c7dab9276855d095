#include "webhook_notifier.hpp"

#include "outgoing_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

namespace printgate::edge {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t max_queued = 100;
}  // namespace

webhook_notifier::webhook_notifier(net::any_io_executor ex, std::vector<std::string> urls, int attempts,
                                   std::chrono::milliseconds backoff, const std::string& ca_file)
    : ex_(ex), attempts_(attempts < 1 ? 1 : attempts), backoff_(backoff), wake_(ex) {
    for (const auto& u : urls) {
        std::string why;
        if (auto parsed = parse_download_url(u, true, why)) urls_.push_back(*parsed);
        else spdlog::warn("webhook: ignoring a URL: {}", why);
    }
    configure_outgoing_tls(tls_, ca_file, "alerts.ca_file");
}

void webhook_notifier::notify(std::string json_body) {
    if (urls_.empty() || stopped_) return;
    if (queue_.size() >= max_queued) queue_.pop_front();
    queue_.push_back(std::move(json_body));
    if (!running_) {
        running_ = true;
        net::co_spawn(ex_, run(), net::detached);
    }
}

void webhook_notifier::stop() {
    stopped_ = true;
    queue_.clear();
    wake_.cancel();
}

net::awaitable<void> webhook_notifier::run() {
    while (!queue_.empty() && !stopped_) {
        const std::string body = std::move(queue_.front());
        queue_.pop_front();
        for (const auto& url : urls_) {
            auto delay = backoff_;
            for (int attempt = 1; attempt <= attempts_ && !stopped_; ++attempt) {
                const bool ok = co_await post(url, body);
                if (ok) break;
                if (attempt == attempts_) {
                    // The host only: a webhook's path often carries its secret.
                    spdlog::warn("webhook: giving up on {}://{}:{} after {} attempts", url.scheme, url.host, url.port,
                                 attempts_);
                    break;
                }
                wake_.expires_after(delay);
                co_await wake_.async_wait(use_tuple);
                delay *= 2;
            }
        }
    }
    running_ = false;
}

namespace {

template <class Stream>
net::awaitable<bool> post_on(Stream& stream, const download_url& url, const std::string& body) {
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "printgate-edge");
    req.set(http::field::content_type, "application/json");
    req.keep_alive(false);
    req.body() = body;
    req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
    if (wec) co_return false;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> res;
    res.body_limit(64 * 1024);
    auto [ec, n] = co_await http::async_read(stream, buffer, res, use_tuple);
    if (ec) co_return false;
    const auto status = res.get().result_int();
    co_return status >= 200 && status < 300;
}

}  // namespace

net::awaitable<bool> webhook_notifier::post(const download_url& url, const std::string& body) {
    outgoing_connection c;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto error = co_await connect_outgoing(ex_, tls_, url, true, "", deadline, c);
    if (!error.empty()) {
        spdlog::debug("webhook: {}", error);
        if (error.find("TLS") != std::string::npos) spdlog::warn("webhook: {}", error);
        co_return false;
    }
    if (c.tls) {
        const bool ok = co_await post_on(*c.tls, url, body);
        co_await c.tls->async_shutdown(use_tuple);
        co_return ok;
    }
    const bool ok = co_await post_on(*c.tcp, url, body);
    boost::system::error_code ignored;
    c.tcp->socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    co_return ok;
}

}  // namespace printgate::edge
