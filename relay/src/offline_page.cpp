#include "offline_page.hpp"

#include <ctime>
#include <string>

namespace printgate::relay {

std::string format_utc_minute(std::chrono::system_clock::time_point t) {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char text[32];
    const auto n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
    return std::string(text, n);
}

std::string format_age(std::chrono::system_clock::duration age) {
    using namespace std::chrono;
    const auto s = duration_cast<seconds>(age).count();
    auto plural = [](long long n, const char* unit) {
        return std::to_string(n) + " " + unit + (n == 1 ? "" : "s") + " ago";
    };
    if (s < 60) return "just now";
    if (s < 3600) return plural(s / 60, "minute");
    if (s < 86400 * 2) return plural(s / 3600, "hour");
    return plural(s / 86400, "day");
}

http_reply offline_reply(std::string_view device, const device_presence& presence,
                         std::chrono::system_clock::time_point now,
                         std::chrono::seconds retry_after) {
    const std::string name(device);
    if (!presence.known)
        return html_page(404, "No such printer",
                         "There is no printer named " + name + " on this relay.");
    if (presence.online) {
        auto reply = html_page(502, name + " did not answer",
                               name + " is connected but refused the connection. Try again in a "
                                      "moment.");
        reply.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
        return reply;
    }
    std::string message;
    if (presence.last_seen == std::chrono::system_clock::time_point{}) {
        message = name + " is offline: it has not connected to this relay yet.";
    } else {
        const auto age = now > presence.last_seen ? now - presence.last_seen
                                                  : std::chrono::system_clock::duration::zero();
        message = name + " is offline since " + format_utc_minute(presence.last_seen) + " (" +
                  format_age(age) + "). This page will work again when it reconnects.";
    }
    auto reply = html_page(503, name + " is offline", message);
    reply.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
    return reply;
}

}  // namespace printgate::relay
