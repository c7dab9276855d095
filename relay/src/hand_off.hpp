#pragma once
// Carrying a sign-in from the zone apex to a device host. The session cookie is
// __Host-printgate: host-only, so the one set on print.example.com is never sent to
// printer1.print.example.com. After signing in on the apex, the browser is sent to
//   https://printer1.ZONE/.printgate/enter?ticket=T
// where T is a ticket: 256 random bits, valid for one device, for 60 seconds, once. The
// device host redeems it and sets its own __Host-printgate cookie for the same server-side
// session, so signing out, revoking the session, a password change and the idle timeout
// (activity on any host counts) apply everywhere at once.
//
// Tickets live only in this process's memory (a restart forgets them: the browser simply
// signs in again); the table is bounded.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <printgate/auth/random_source.hpp>
#include <printgate/auth/wall_clock.hpp>

namespace printgate::relay {

inline constexpr std::string_view enter_path = "/.printgate/enter";

struct hand_off {
    std::string session_token;  // the apex session's cookie value
    std::string device;
    std::string path;  // where to go on the device host
};

class hand_off_tickets {
public:
    static constexpr std::size_t ticket_chars = 64;  // 32 bytes in hex

    hand_off_tickets(const auth::wall_clock& clock, auth::random_source& random,
                     std::chrono::seconds lifetime = std::chrono::seconds(60), std::size_t max_tickets = 10'000);

    // A new ticket; the oldest is dropped when the table is full.
    std::string issue(hand_off what);
    // The hand-off, once: the ticket is gone afterwards whatever the outcome. Nothing for an
    // unknown, expired or malformed ticket or one issued for another device.
    std::optional<hand_off> redeem(std::string_view ticket, std::string_view device);

    std::size_t size() const;

private:
    struct entry {
        hand_off what;
        auth::wall_clock::time_point expires;
        std::uint64_t serial;
    };
    void purge(auth::wall_clock::time_point now);

    const auth::wall_clock& clock_;
    auth::random_source& random_;
    std::chrono::seconds lifetime_;
    std::size_t max_tickets_;
    mutable std::mutex mutex_;
    std::uint64_t serial_ = 0;
    std::unordered_map<std::string, entry> tickets_;
};

// 32 random bytes as 64 lower-case hex characters (now in auth/).
using auth::random_hex_token;

}  // namespace printgate::relay
