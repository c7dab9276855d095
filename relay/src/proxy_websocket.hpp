#pragma once
// After a device answered a WebSocket upgrade with 101, the browser connection and the
// device stream are joined byte for byte, both ways. The relay does not terminate the
// WebSocket; it only follows frame boundaries on the way to the browser so that, when that
// direction is quiet, it can insert a ping between two frames: idle proxies and NATs between
// the browser and the relay then see traffic, and the browser's pong (forwarded to the
// device, which ignores an unsolicited pong as RFC 6455 allows) shows it is still there.
#include <chrono>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <printgate/common/any_stream.hpp>

#include "browser_options.hpp"
#include "browser_stats.hpp"
#include "proxy_deadline.hpp"
#include "proxy_websocket_frames.hpp"

namespace printgate::relay {

using boost::system::error_code;

class websocket_pump {
public:
    // The buffers hold bytes already read past the HTTP heads; they are delivered first.
    websocket_pump(common::any_stream& browser, boost::beast::flat_buffer& browser_leftover,
                   common::any_stream& device, boost::beast::flat_buffer& device_leftover,
                   proxy_deadline& deadline, const browser_options& options,
                   browser_stats& stats);

    // Until both directions ended (or one failed, which closes both).
    boost::asio::awaitable<void> run();

private:
    boost::asio::awaitable<void> browser_to_device();
    boost::asio::awaitable<void> device_to_browser();
    boost::asio::awaitable<void> pinger();
    boost::asio::awaitable<error_code> write_browser(const void* data, std::size_t size);
    void direction_done();
    void fail();

    common::any_stream& browser_;
    boost::beast::flat_buffer& browser_leftover_;
    common::any_stream& device_;
    boost::beast::flat_buffer& device_leftover_;
    proxy_deadline& deadline_;
    const browser_options& options_;
    browser_stats& stats_;

    websocket_frame_tracker to_browser_frames_;
    std::vector<char> up_chunk_;
    std::vector<char> down_chunk_;
    boost::asio::steady_timer ping_timer_;
    boost::asio::steady_timer browser_writable_;  // wakes a writer waiting for the other
    bool browser_writing_ = false;
    bool browser_closed_for_writing_ = false;
    int directions_done_ = 0;
    std::chrono::steady_clock::time_point last_to_browser_;
};

}  // namespace printgate::relay
