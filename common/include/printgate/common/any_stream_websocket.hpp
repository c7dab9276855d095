#pragma once
// Beast's websocket::stream needs to know how to close and tear down its next layer; these
// are the customisation points for common::any_stream, found by argument-dependent lookup.
// Include this before <boost/beast/websocket/stream.hpp>.
#include "printgate/common/any_stream.hpp"

#include <boost/beast/core/role.hpp>

#include <utility>

namespace printgate::common {

inline void beast_close_socket(any_stream& stream) { stream.close(); }

inline void teardown(boost::beast::role_type, any_stream& stream, boost::system::error_code& ec) {
    stream.close();
    ec = {};
}

template <class TeardownHandler>
void async_teardown(boost::beast::role_type, any_stream& stream, TeardownHandler&& handler) {
    stream.async_shutdown(std::forward<TeardownHandler>(handler));
}

}  // namespace printgate::common
