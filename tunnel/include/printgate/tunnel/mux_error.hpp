#pragma once
// Why a session or a stream operation of the multiplexer failed.
#include <string_view>
#include <system_error>

#include <boost/system/error_code.hpp>

namespace printgate::tunnel {

enum class mux_error {
    session_closed = 1,     // the session is closed (locally, or the transport ended)
    going_away,             // GO_AWAY was sent or received: no new streams
    stream_limit,           // max_streams streams are open
    protocol_error,         // the peer broke the protocol (we sent GO_AWAY(protocol error))
    remote_protocol_error,  // the peer sent GO_AWAY(protocol error)
    remote_internal_error,  // the peer sent GO_AWAY(internal error)
    heartbeat_timeout,      // nothing arrived for dead_after
    ids_exhausted,          // all 2^31 stream ids of our parity were used
};

const boost::system::error_category& mux_category();
boost::system::error_code make_error_code(mux_error e);

}  // namespace printgate::tunnel

template <>
struct boost::system::is_error_code_enum<printgate::tunnel::mux_error> : std::true_type {};
