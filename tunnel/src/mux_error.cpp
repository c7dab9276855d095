#include "printgate/tunnel/mux_error.hpp"

#include <string>

namespace printgate::tunnel {

namespace {

class mux_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tunnel.mux"; }
    std::string message(int ev) const override {
        switch (static_cast<mux_error>(ev)) {
            case mux_error::session_closed: return "tunnel session closed";
            case mux_error::going_away: return "tunnel session going away";
            case mux_error::stream_limit: return "too many tunnel streams";
            case mux_error::protocol_error: return "tunnel protocol error";
            case mux_error::remote_protocol_error: return "peer reported a protocol error";
            case mux_error::remote_internal_error: return "peer reported an internal error";
            case mux_error::heartbeat_timeout: return "tunnel peer silent too long";
            case mux_error::ids_exhausted: return "tunnel stream ids exhausted";
        }
        return "unknown tunnel error";
    }
};

}  // namespace

const boost::system::error_category& mux_category() {
    static const mux_category_impl instance;
    return instance;
}

boost::system::error_code make_error_code(mux_error e) {
    return {static_cast<int>(e), mux_category()};
}

}  // namespace printgate::tunnel
