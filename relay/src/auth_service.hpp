#pragma once
// The relay's printgate::auth services: auth::account_service (opened once from the state
// directory, shared by the gate, the sign-in pages and the admin commands) plus what only
// the relay has, the hand-off tickets that carry a sign-in over to a printer's origin.
#include <filesystem>
#include <memory>

#include <printgate/auth/account_service.hpp>

#include "hand_off.hpp"
#include "printgate/relay/config.hpp"

namespace printgate::relay {

using auth_settings = auth::account_settings;
using auth_sources = auth::account_sources;
using signed_in_user = auth::signed_in_user;

// The zone, costs and limits that relay.toml sets (serve and the admin commands alike).
auth_settings auth_settings_for(const relay_config& config);

class auth_service : public auth::account_service {
public:
    // Opens (or creates) state_dir/auth.db and state_dir/auth.key.
    static auth::result<std::unique_ptr<auth_service>> open(const std::filesystem::path& state_dir,
                                                            auth_settings settings, auth_sources sources = {});

    hand_off_tickets tickets;

private:
    auth_service(opened_files files, auth_settings settings, auth_sources sources);
};

}  // namespace printgate::relay
