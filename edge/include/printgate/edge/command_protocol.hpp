#pragma once
// The JSON command protocol (docs/command-protocol.md, docs/command.schema.json):
// {"type", "action", "parameters", "id"}. Parsing checks everything before anything runs:
// a missing, wrongly typed or out-of-range field is an error naming it, and jog and
// temperature requests are checked against the printer profile. A parsed command carries
// the G-code it will send, so running it cannot fail half-way through validation.
#include "printgate/edge/edge_config.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::edge {

struct command_request {
    std::string type;    // printer_control, temperature_control, movement_control, camera_control
    std::string action;  // e.g. start_print, set_hotend, jog
    nlohmann::json id;   // echoed in the reply (string or number), null when absent
    // printer_control
    std::string file_name;  // start_print
    bool from_sd = false;   // start_print with origin "sdcard": file_name is on the printer's SD card
    std::string url;        // download_gcode
    // temperature_control / movement_control: what to send, in order
    std::vector<std::string> gcode;
};

struct command_error {
    std::string field;    // "parameters.temperature", "type", "" for the document itself
    std::string message;  // "must be a number between 0 and 285"
    nlohmann::json id;
};

struct command_parse_result {
    std::optional<command_request> command;
    command_error error;
};

inline constexpr std::size_t max_command_bytes = 16 * 1024;

command_parse_result parse_command(std::string_view text, const printer_profile& profile);

}  // namespace printgate::edge
