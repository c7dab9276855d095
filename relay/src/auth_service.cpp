#include "auth_service.hpp"

namespace printgate::relay {

auth_settings auth_settings_for(const relay_config& config) {
    auth_settings settings;
    settings.zone = config.zone;
    settings.argon2 = config.argon2;
    settings.hashing = config.hashing;
    settings.limits = config.limits;
    settings.sessions = config.sessions;
    return settings;
}

auth::result<std::unique_ptr<auth_service>> auth_service::open(const std::filesystem::path& state_dir,
                                                               auth_settings settings, auth_sources sources) {
    auto files = open_files(state_dir, sources.random);
    if (!files) return files.err();
    return std::unique_ptr<auth_service>(new auth_service(std::move(files.value()), std::move(settings), sources));
}

auth_service::auth_service(opened_files files, auth_settings settings, auth_sources sources)
    : account_service(std::move(files), std::move(settings), sources), tickets(sources.wall, sources.random) {}

}  // namespace printgate::relay
