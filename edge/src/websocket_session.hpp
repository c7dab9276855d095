#pragma once
#include "http_types.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>

namespace printgate::edge {

// /api/v1/ws: pushes out (bounded queue, see push_hub.hpp), JSON commands in.
boost::asio::awaitable<void> run_websocket(common::any_stream stream, boost::beast::flat_buffer buffer,
                                           http::request<http::empty_body> req, edge_app& app,
                                           connection_info info, std::string user);

}  // namespace printgate::edge
