#pragma once
// Short texts for people, made from the printer's status JSON: the edge's state, temperatures
// and job objects (GET /api/v1/state), which the relay also receives over the control stream.
// The relay's printers page and the edge's home page both show them. The input is not
// trusted: only known fields of the expected type count, strings are cut short (on a UTF-8
// boundary), numbers must be finite. The texts are plain, not HTML: escape them to show them.
#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

namespace printgate::common {

constexpr std::size_t status_text_max_bytes = 80;

// The member `key` of an object; nullptr when `object` is no object or has no such member.
const nlohmann::json* json_member(const nlohmann::json& object, const char* key);
// A string member cut to `max` bytes; "" when missing or not a string.
std::string json_text(const nlohmann::json& object, const char* key, std::size_t max = status_text_max_bytes);
// A finite number member; nullopt otherwise.
std::optional<double> json_number(const nlohmann::json& object, const char* key);
// true only for a boolean member that is true.
bool json_flag(const nlohmann::json& object, const char* key);

// "45 s", "12 min", "1 h 05 min"; "" for a negative or absurd duration.
std::string duration_text(double seconds);
// "printing (benchy.gcode)", "operational"; "" when the state is not known.
std::string state_text(const nlohmann::json& state);
// "T0 209.8 / 210 °C, B 59.9 / 60 °C" (at most eight heaters).
std::string temperatures_text(const nlohmann::json& temperatures);
// "benchy.gcode: 42 %, layer 12 of 80, 1 h 05 min left"; "" when no job is active.
std::string job_text(const nlohmann::json& progress);

// What a job allows in a printer state (the state object's "state"): a job is on while the
// printer prints, pauses or is paused, and may then be cancelled; a printing job may be
// paused, a paused one resumed.
struct job_controls {
    bool in_job = false;  // and so may be cancelled
    bool pause = false;
    bool resume = false;
};
job_controls job_controls_of(const nlohmann::json& state);

}  // namespace printgate::common
