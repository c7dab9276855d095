#pragma once
// The relay's configuration: /etc/printgate/relay.toml, every key optional (relay/README.md
// lists them with their defaults). `--demo` needs no file: see demo_config().
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "printgate/auth/login_limiter.hpp"
#include "printgate/auth/password_hasher.hpp"
#include "printgate/auth/session_store.hpp"
#include "printgate/tunnel/identity_result.hpp"

namespace printgate::relay {

struct listen_address {
    std::string host;
    std::uint16_t port = 0;  // 0: chosen by the OS
};

struct relay_config {
    std::filesystem::path state_dir = "/var/lib/printgate/relay";
    std::string zone = "localhost";
    std::string log_level = "info";
    listen_address tunnel_listen{"0.0.0.0", 7443};
    // Where edges reach the tunnel listener (carried in pairing codes; its host is the name in
    // the tunnel server certificate). Empty host: the listen host; port 0: the bound port.
    listen_address tunnel_public{"", 0};
    listen_address https_listen{"0.0.0.0", 443};
    std::filesystem::path https_certificate;  // PEM chain; empty: a certificate from the relay CA
    std::filesystem::path https_key;
    // [login] and [sessions]: the login gate's costs and limits; auth/'s defaults unless set.
    // A change of the Argon2 parameters rehashes each password at its owner's next sign-in.
    auth::argon2_params argon2;
    auth::hasher_limits hashing;
    auth::login_limiter_config limits;
    auth::session_config sessions;
    bool demo = false;
};

// "host:port", "[v6]:port".
tunnel::identity_result<listen_address> parse_listen_address(std::string_view text);
std::string to_string(const listen_address& a);

// Parses TOML text over `base` (keys the text does not name keep base's values); unknown
// keys and wrong types are errors naming the key.
tunnel::identity_result<relay_config> parse_config(std::string_view toml_text, relay_config base = {});
tunnel::identity_result<relay_config> load_config(const std::filesystem::path& file, relay_config base = {});
// Loopback listeners on ports chosen by the OS, zone "localhost"; the caller sets state_dir.
relay_config demo_config();

}  // namespace printgate::relay
