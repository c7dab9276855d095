#pragma once
// What a browser sees when its printer cannot be reached: a clear page, never a hang.
#include <chrono>
#include <string_view>

#include "device_directory.hpp"
#include "http_reply.hpp"

namespace printgate::relay {

// 503 "printer1 is offline since 2026-11-21 04:10 UTC (5 minutes ago)" with Retry-After
// for a known device; 404 "no printer named ..." for an unknown one; 502 when the device
// is online but its stream could not be opened.
http_reply offline_reply(std::string_view device, const device_presence& presence,
                         std::chrono::system_clock::time_point now,
                         std::chrono::seconds retry_after = std::chrono::seconds(30));

// "2026-11-21 04:10 UTC"
std::string format_utc_minute(std::chrono::system_clock::time_point t);

// "5 minutes ago", "3 hours ago", "just now"
std::string format_age(std::chrono::system_clock::duration age);

}  // namespace printgate::relay
