#include "gate.hpp"

#include <utility>

#include "http_host.hpp"

namespace printgate::relay {

std::optional<std::string_view> request_view::header(std::string_view name) const {
    for (const auto& field : headers)
        if (iequals_ascii(field.name, name)) return field.value;
    return std::nullopt;
}

gate_decision gate_decision::admit(std::string user) {
    gate_decision d;
    d.admitted = true;
    d.user = std::move(user);
    return d;
}

gate_decision gate_decision::refuse(http_reply reply) {
    gate_decision d;
    d.refusal = std::move(reply);
    return d;
}

bool loopback_demo_gate::is_loopback(const boost::asio::ip::address& address) {
    if (address.is_v4()) return address.to_v4().is_loopback();
    const auto v6 = address.to_v6();
    if (v6.is_loopback()) return true;
    if (v6.is_v4_mapped())
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_loopback();
    return false;
}

boost::asio::awaitable<gate_decision> loopback_demo_gate::check(const request_view&,
                                                                 const peer_info& peer) {
    if (demo_ && is_loopback(peer.address)) co_return gate_decision::admit("demo");
    co_return gate_decision::refuse(html_page(
        403, "Sign-in not configured",
        "This relay has no sign-in configured yet, so it lets nobody through to a printer. "
        "In demo mode only connections from this machine are let in."));
}

}  // namespace printgate::relay
