#include "webhook_notifier.hpp"

#include "https_client.hpp"
#include "outgoing_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace printgate::edge {

namespace net = boost::asio;

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

net::awaitable<bool> webhook_notifier::post(const download_url& url, const std::string& body) {
    outgoing_connection c;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto error = co_await connect_outgoing(ex_, tls_, url, true, "", deadline, c);
    if (!error.empty()) {
        spdlog::debug("webhook: {}", error);
        if (error.find("TLS") != std::string::npos) spdlog::warn("webhook: {}", error);
        co_return false;
    }
    client_request req;
    req.post = true;
    req.content_type = "application/json";
    req.body = body;
    client_limits limits;
    limits.too_large = "the answer is larger than 64 KiB";
    unsigned status = 0;
    // Named objects, not temporaries, for the co_await (GCC 12 frees those wrongly).
    const client_head_fn on_head = [&](const client_response_head& head) {
        status = head.status;
        return true;
    };
    const client_body_fn on_body = [](std::span<const char>) { return std::string(); };
    error = co_await http_exchange(c, url, req, limits, on_head, on_body);
    co_await c.shutdown();
    if (!error.empty()) spdlog::debug("webhook: {}", error);
    co_return error.empty() && status >= 200 && status < 300;
}

}  // namespace printgate::edge
