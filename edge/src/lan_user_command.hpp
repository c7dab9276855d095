#pragma once
// `printgate-edge user add|totp|reset-2fa|list|disable|enable`: the accounts that may sign in on the
// LAN listener (STATE_DIR/auth.db), from a shell on the printer's computer.
#include "commands.hpp"

namespace printgate::edge {

command_runner add_user_command(CLI::App& app);

}  // namespace printgate::edge
