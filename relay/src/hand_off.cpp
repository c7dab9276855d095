#include "hand_off.hpp"

#include <array>
#include <cstdint>

namespace printgate::relay {

hand_off_tickets::hand_off_tickets(const auth::wall_clock& clock, auth::random_source& random,
                                   std::chrono::seconds lifetime, std::size_t max_tickets)
    : clock_(clock), random_(random), lifetime_(lifetime), max_tickets_(max_tickets == 0 ? 1 : max_tickets) {}

void hand_off_tickets::purge(auth::wall_clock::time_point now) {
    for (auto it = tickets_.begin(); it != tickets_.end();) {
        if (it->second.expires <= now) it = tickets_.erase(it);
        else ++it;
    }
}

std::string hand_off_tickets::issue(hand_off what) {
    auto ticket = random_hex_token(random_);
    const auto now = clock_.now();
    std::lock_guard lock(mutex_);
    if (tickets_.size() >= max_tickets_) purge(now);
    while (tickets_.size() >= max_tickets_) {
        auto oldest = tickets_.begin();
        for (auto it = tickets_.begin(); it != tickets_.end(); ++it)
            if (it->second.serial < oldest->second.serial) oldest = it;
        tickets_.erase(oldest);
    }
    tickets_.insert_or_assign(ticket, entry{std::move(what), now + lifetime_, serial_++});
    return ticket;
}

std::optional<hand_off> hand_off_tickets::redeem(std::string_view ticket, std::string_view device) {
    if (ticket.size() != ticket_chars) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = tickets_.find(std::string(ticket));
    if (it == tickets_.end()) return std::nullopt;
    entry e = std::move(it->second);
    tickets_.erase(it);
    if (e.expires <= clock_.now() || e.what.device != device) return std::nullopt;
    return std::move(e.what);
}

std::size_t hand_off_tickets::size() const {
    std::lock_guard lock(mutex_);
    return tickets_.size();
}

}  // namespace printgate::relay
