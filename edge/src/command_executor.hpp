#pragma once
// Runs a parsed command against the application and builds the reply envelope
// ({"type": success|response|error, ...}). Used by the WebSocket (and later the tunnel's
// control stream and MQTT).
#include "printgate/edge/command_protocol.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace printgate::edge {

class edge_app;

nlohmann::json execute_command(edge_app& app, const command_request& command, const std::string& user);
// Parses and runs one command text; always returns a reply.
nlohmann::json handle_command_text(edge_app& app, std::string_view text, const std::string& user);

}  // namespace printgate::edge
