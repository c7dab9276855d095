#include "proxy_websocket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace printgate::relay {

namespace net = boost::asio;
using namespace net::experimental::awaitable_operators;

namespace {
constexpr auto tuple_awaitable = net::as_tuple(net::use_awaitable);
}

websocket_pump::websocket_pump(common::any_stream& browser,
                               boost::beast::flat_buffer& browser_leftover,
                               common::any_stream& device,
                               boost::beast::flat_buffer& device_leftover,
                               proxy_deadline& deadline, const browser_options& options,
                               browser_stats& stats)
    : browser_(browser), browser_leftover_(browser_leftover), device_(device),
      device_leftover_(device_leftover), deadline_(deadline), options_(options), stats_(stats),
      up_chunk_(options.chunk_bytes), down_chunk_(options.chunk_bytes),
      ping_timer_(browser.get_executor()), browser_writable_(browser.get_executor()),
      last_to_browser_(std::chrono::steady_clock::now()) {
    browser_writable_.expires_at(std::chrono::steady_clock::time_point::max());
}

net::awaitable<void> websocket_pump::run() {
    deadline_.phase(options_.websocket_idle_timeout);
    co_await (browser_to_device() && device_to_browser() && pinger());
}

void websocket_pump::fail() {
    browser_.close();
    device_.close();
}

void websocket_pump::direction_done() {
    ++directions_done_;
    ping_timer_.cancel();  // the pinger stops with the first direction that ends
}

net::awaitable<error_code> websocket_pump::write_browser(const void* data, std::size_t size) {
    while (browser_writing_) co_await browser_writable_.async_wait(tuple_awaitable);
    browser_writing_ = true;
    auto [ec, n] = co_await net::async_write(browser_, net::buffer(data, size), tuple_awaitable);
    browser_writing_ = false;
    browser_writable_.cancel();
    co_return ec;
}

net::awaitable<void> websocket_pump::browser_to_device() {
    if (browser_leftover_.size() > 0) {
        auto [ec, n] = co_await net::async_write(device_, browser_leftover_.data(), tuple_awaitable);
        browser_leftover_.consume(browser_leftover_.size());
        if (ec) {
            fail();
            direction_done();
            co_return;
        }
        stats_.bytes_to_device += n;
    }
    for (;;) {
        auto [ec, n] = co_await browser_.async_read_some(net::buffer(up_chunk_), tuple_awaitable);
        if (ec) {
            if (ec == net::error::eof) {
                auto [sec] = co_await device_.async_shutdown(tuple_awaitable);
                (void)sec;
            } else {
                fail();
            }
            break;
        }
        deadline_.touch();
        auto [wec, wn] = co_await net::async_write(device_, net::buffer(up_chunk_.data(), n),
                                                   tuple_awaitable);
        if (wec) {
            fail();
            break;
        }
        stats_.bytes_to_device += n;
    }
    direction_done();
}

net::awaitable<void> websocket_pump::device_to_browser() {
    auto deliver = [this](const void* data, std::size_t n) -> net::awaitable<error_code> {
        to_browser_frames_.consume({static_cast<const std::uint8_t*>(data), n});
        auto ec = co_await write_browser(data, n);
        if (!ec) {
            stats_.bytes_to_browser += n;
            last_to_browser_ = std::chrono::steady_clock::now();
        }
        co_return ec;
    };
    if (device_leftover_.size() > 0) {
        const auto pending = device_leftover_.data();
        auto ec = co_await deliver(pending.data(), pending.size());
        device_leftover_.consume(device_leftover_.size());
        if (ec) {
            fail();
            direction_done();
            co_return;
        }
    }
    for (;;) {
        auto [ec, n] = co_await device_.async_read_some(net::buffer(down_chunk_), tuple_awaitable);
        if (ec) {
            if (ec == net::error::eof) {
                // The device ended the WebSocket: pass the end on (TLS close_notify).
                while (browser_writing_) co_await browser_writable_.async_wait(tuple_awaitable);
                browser_closed_for_writing_ = true;
                auto [sec] = co_await browser_.async_shutdown(tuple_awaitable);
                if (sec) fail();
            } else {
                fail();
            }
            break;
        }
        deadline_.touch();
        auto wec = co_await deliver(down_chunk_.data(), n);
        if (wec) {
            fail();
            break;
        }
    }
    direction_done();
}

net::awaitable<void> websocket_pump::pinger() {
    const auto interval = options_.websocket_ping_interval;
    while (directions_done_ == 0) {
        ping_timer_.expires_after(interval);
        auto [ec] = co_await ping_timer_.async_wait(tuple_awaitable);
        (void)ec;
        if (directions_done_ > 0 || browser_closed_for_writing_) break;
        const auto quiet = std::chrono::steady_clock::now() - last_to_browser_;
        if (quiet < interval || browser_writing_ || !to_browser_frames_.at_boundary()) continue;
        auto wec = co_await write_browser(websocket_ping_frame, sizeof websocket_ping_frame);
        if (wec) break;
        ++stats_.websocket_pings;
        last_to_browser_ = std::chrono::steady_clock::now();
    }
}

}  // namespace printgate::relay
