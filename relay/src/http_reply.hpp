#pragma once
// A complete, small response the relay writes itself (its own pages, the gate's refusals,
// error and offline pages), described without Beast so that the gate and the page handlers
// need no HTTP library in their headers.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <printgate/common/any_stream.hpp>
#include <printgate/common/html_escape.hpp>

namespace printgate::relay {

struct http_reply {
    unsigned status = 200;
    // Extra fields ("Location", "Set-Cookie", "Retry-After"). Content-Length, Connection and
    // the security headers every relay page carries (HSTS, nosniff, Referrer-Policy,
    // Cache-Control: no-store, X-Frame-Options, and the default Content-Security-Policy
    // unless the reply names its own) are added when written.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string content_type = "text/html; charset=utf-8";
    std::string body;
    bool close = false;  // end the browser connection after this reply
};

// HTML with &, <, >, " and ' escaped.
using common::html_escape;

// A small, self-contained HTML page: `title` and `message` are plain text (escaped here).
http_reply html_page(unsigned status, std::string_view title, std::string_view message);

// 303 See Other to `location` (a path on this host or an absolute URL on the relay's zone).
http_reply see_other(std::string location);

// Writes `reply` as an HTTP/1.x response (`version` 10 or 11). `head_only` leaves the body
// out (a HEAD request). `keep_alive` is overridden to false by reply.close.
boost::asio::awaitable<boost::system::error_code> write_reply(common::any_stream& stream,
                                                              const http_reply& reply,
                                                              unsigned version, bool keep_alive,
                                                              bool head_only);

}  // namespace printgate::relay
