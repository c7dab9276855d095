#include "webhook_notifier.hpp"

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
#include <spdlog/spdlog.h>

namespace printgate::edge {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t max_queued = 100;
}  // namespace

std::optional<http_url> parse_http_url(const std::string& url) {
    const std::string scheme = "http://";
    if (url.rfind(scheme, 0) != 0 || url.size() > 2048) return std::nullopt;
    auto rest = url.substr(scheme.size());
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    http_url out;
    out.target = slash == std::string::npos ? "/" : rest.substr(slash);
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    out.port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
    if (out.host.empty() || out.port.empty() || out.host.find('@') != std::string::npos) return std::nullopt;
    for (char c : out.port)
        if (c < '0' || c > '9') return std::nullopt;
    return out;
}

webhook_notifier::webhook_notifier(net::any_io_executor ex, std::vector<std::string> urls, int attempts,
                                   std::chrono::milliseconds backoff)
    : ex_(ex), attempts_(attempts < 1 ? 1 : attempts), backoff_(backoff), wake_(ex) {
    for (const auto& u : urls) {
        if (auto parsed = parse_http_url(u)) urls_.push_back(*parsed);
        else spdlog::warn("webhook: ignoring '{}': only http://host[:port]/path is supported", u);
    }
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
                    spdlog::warn("webhook: giving up on http://{}:{}{} after {} attempts", url.host, url.port, url.target, attempts_);
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

net::awaitable<bool> webhook_notifier::post(const http_url& url, const std::string& body) {
    net::ip::tcp::resolver resolver(ex_);
    auto [rec, results] = co_await resolver.async_resolve(url.host, url.port, use_tuple);
    if (rec) co_return false;
    beast::tcp_stream stream(ex_);
    stream.expires_after(std::chrono::seconds(10));
    auto [cec, ep] = co_await stream.async_connect(results, use_tuple);
    if (cec) co_return false;
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "printgate-edge");
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
    if (wec) co_return false;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> res;
    res.body_limit(64 * 1024);
    auto [ec, n] = co_await http::async_read(stream, buffer, res, use_tuple);
    if (ec) co_return false;
    boost::system::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    const auto status = res.get().result_int();
    co_return status >= 200 && status < 300;
}

}  // namespace printgate::edge
