#pragma once
// Alerts as webhooks: each alert is POSTed as JSON to every configured URL, retried with
// exponential backoff (base, 2x base, 4x base, ...) up to a number of attempts. A bounded
// queue: when the receiver is down for long, the oldest alerts are dropped, never the printer.
// https:// URLs are verified like downloads (system CAs plus `ca_file`, host name checked);
// the receivers are the owner's own, so home-network addresses are allowed.
#include "printgate/edge/gcode_download.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace printgate::edge {

class webhook_notifier {
public:
    webhook_notifier(boost::asio::any_io_executor ex, std::vector<std::string> urls, int attempts,
                     std::chrono::milliseconds backoff, const std::string& ca_file = {});
    void notify(std::string json_body);
    void stop();

private:
    boost::asio::awaitable<void> run();
    boost::asio::awaitable<bool> post(const download_url& url, const std::string& body);

    boost::asio::any_io_executor ex_;
    std::vector<download_url> urls_;
    boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
    int attempts_;
    std::chrono::milliseconds backoff_;
    std::deque<std::string> queue_;
    boost::asio::steady_timer wake_;
    bool running_ = false;
    bool stopped_ = false;
};

}  // namespace printgate::edge
