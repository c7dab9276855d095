#pragma once
// Alerts as webhooks: each alert is POSTed as JSON to every configured URL, retried with
// exponential backoff (base, 2x base, 4x base, ...) up to a number of attempts. A bounded
// queue: when the receiver is down for long, the oldest alerts are dropped, never the printer.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace printgate::edge {

struct http_url {
    std::string host, port, target;
};
// "http://host[:port][/path]"; nullopt for anything else (https is not supported yet).
std::optional<http_url> parse_http_url(const std::string& url);

class webhook_notifier {
public:
    webhook_notifier(boost::asio::any_io_executor ex, std::vector<std::string> urls, int attempts,
                     std::chrono::milliseconds backoff);
    void notify(std::string json_body);
    void stop();

private:
    boost::asio::awaitable<void> run();
    boost::asio::awaitable<bool> post(const http_url& url, const std::string& body);

    boost::asio::any_io_executor ex_;
    std::vector<http_url> urls_;
    int attempts_;
    std::chrono::milliseconds backoff_;
    std::deque<std::string> queue_;
    boost::asio::steady_timer wake_;
    bool running_ = false;
    bool stopped_ = false;
};

}  // namespace printgate::edge
