#pragma once
// The relay's own pages on the zone apex (sign-in, account, devices later). The browser
// session reads the request body (bounded by browser_options::max_page_body_bytes) and
// hands the whole request here.
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "gate.hpp"
#include "http_reply.hpp"

namespace printgate::relay {

class page_handler {
public:
    virtual ~page_handler() = default;
    virtual boost::asio::awaitable<http_reply> handle(const request_view& request,
                                                      std::string_view body,
                                                      const peer_info& peer) = 0;
};

}  // namespace printgate::relay
