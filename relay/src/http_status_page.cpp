#include "http_status_page.hpp"

namespace printgate::relay {

boost::asio::awaitable<http_reply> status_page::handle(const request_view& request,
                                                       std::string_view, const peer_info&) {
    if (request.method != "GET" && request.method != "HEAD") {
        auto reply = html_page(405, "Method not allowed", "This page can only be read.");
        reply.headers.emplace_back("Allow", "GET, HEAD");
        co_return reply;
    }
    const auto path = request.target.substr(0, request.target.find('?'));
    if (path != "/")
        co_return html_page(404, "Not found", "The relay has no page at this address.");
    co_return html_page(200, "printgate relay",
                        "The relay for " + zone_ + " is running. Open a printer at https://NAME." +
                            zone_ + "/.");
}

}  // namespace printgate::relay
