#pragma once
// The apex page handler until the sign-in pages exist: "/" says the relay is running,
// everything else is 404.
#include <string>

#include "http_page_handler.hpp"

namespace printgate::relay {

class status_page final : public page_handler {
public:
    explicit status_page(std::string zone) : zone_(std::move(zone)) {}
    boost::asio::awaitable<http_reply> handle(const request_view& request, std::string_view body,
                                              const peer_info& peer) override;

private:
    std::string zone_;
};

}  // namespace printgate::relay
