#pragma once
// The reverse proxy of one browser connection: forwards each admitted request to the
// device over one stream from the device_directory, kept while both sides keep alive, and
// streams the response back. Bodies go through two fixed chunks (browser_options::
// chunk_bytes), so neither a 2 GB upload nor an endless MJPEG response sits in memory;
// after a WebSocket 101 the connection becomes a byte pump (proxy_websocket).
//
// A private header of the browser session: it carries Beast types.
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <printgate/common/any_stream.hpp>

#include "browser_options.hpp"
#include "browser_stats.hpp"
#include "device_directory.hpp"
#include "gate.hpp"
#include "http_head.hpp"
#include "proxy_deadline.hpp"

namespace printgate::relay {

using request_parser = http::request_parser<http::buffer_body>;

class proxy {
public:
    enum class outcome { keep_alive, close };

    proxy(common::any_stream& browser, boost::beast::flat_buffer& browser_buffer,
          proxy_deadline& deadline, const browser_options& options, device_directory& devices,
          browser_stats& stats, const peer_info& peer);
    ~proxy();

    // Forwards the request whose head `parser` has read (its body, if any, still unread) to
    // `device`, then the response to the browser. `host` is the validated Host, `user` comes
    // from the gate. On outcome::close the browser connection must not be reused.
    boost::asio::awaitable<outcome> forward(request_parser& parser, const request_check& check,
                                            std::string_view device, std::string_view host,
                                            std::string_view user);

    // Aborts the device stream: pending operations on it end with an error and the next
    // request opens a new one. Safe while operations are pending (it only closes).
    void abort_upstream();

private:
    boost::asio::awaitable<error_code> send_request(request_parser& parser,
                                                    http::request<http::buffer_body>& out);
    boost::asio::awaitable<outcome> relay_response(request_parser& parser,
                                                   const request_check& check);
    boost::asio::awaitable<void> fail_response(request_parser& parser, unsigned status,
                                               std::string_view title, std::string_view message);
    void note_buffers();
    // Forgets the device stream; only when no operation on it is pending.
    void drop_upstream();

    common::any_stream& browser_;
    boost::beast::flat_buffer& browser_buffer_;
    proxy_deadline& deadline_;
    const browser_options& options_;
    device_directory& devices_;
    browser_stats& stats_;
    const peer_info& peer_;

    common::any_stream upstream_;
    std::string upstream_device_;
    boost::beast::flat_buffer upstream_buffer_;
    std::vector<char> up_chunk_;    // browser -> device
    std::vector<char> down_chunk_;  // device -> browser

    // State of the exchange in progress, shared by its two halves.
    std::string device_;
    bool reading_browser_ = false;  // the request half waits for body bytes
    bool response_done_ = false;
    bool upstream_reusable_ = false;
    bool upstream_broken_ = false;
};

}  // namespace printgate::relay
