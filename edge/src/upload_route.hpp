#pragma once
// Streaming uploads (POST /api/v1/files and OctoPrint's POST /api/files/local): the body is
// parsed as it arrives and written straight to a temporary file; nothing is buffered whole.
#include "printgate/common/connection_deadline.hpp"
#include "http_types.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

namespace printgate::edge {

bool is_upload_route(const route_context& ctx);

// Reads the body through `head` and answers. Sets `close` when the connection cannot be
// reused (the body was not read to its end). `deadline` is re-armed for every read, so a
// client that stops sending mid-upload is dropped after the idle timeout.
boost::asio::awaitable<response> receive_upload(common::any_stream& stream, boost::beast::flat_buffer& buffer,
                                                http::request_parser<http::empty_body>& head, route_context& ctx,
                                                bool& close, common::connection_deadline& deadline);

}  // namespace printgate::edge
