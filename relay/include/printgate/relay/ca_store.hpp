#pragma once
// The relay's key material under its state directory:
//   ca.key, ca.pem          the private CA, created on first start (key 0600, 10 years)
//   tunnel.key, tunnel.pem  the tunnel listener's server certificate (chain: leaf + CA),
//                           issued again at every start for the configured public host
//   https-dev.key/.pem      --demo and no configured certificate: HTTPS for localhost and
//                           *.localhost signed by the CA
#include <filesystem>
#include <string>
#include <vector>

#include "printgate/tunnel/identity_authority.hpp"

namespace printgate::relay {

// Loads ca.key/ca.pem, or creates both when neither exists. One without the other, a key
// file readable by others, or a key that does not match is an error (nothing is replaced).
tunnel::identity_result<tunnel::identity_authority> load_or_create_ca(const std::filesystem::path& state_dir,
                                                                      tunnel::wall_time now);

struct server_files {
    std::filesystem::path chain_file;
    std::filesystem::path key_file;
    std::string chain_pem;  // leaf, then the CA
    std::string key_pem;
};

// A fresh key and server certificate for `hosts` (one year), written as STEM.key (0600) and
// STEM.pem under state_dir.
tunnel::identity_result<server_files> issue_server_files(const tunnel::identity_authority& ca,
                                                         const std::filesystem::path& state_dir,
                                                         const std::string& stem,
                                                         const std::vector<std::string>& hosts, tunnel::wall_time now);

}  // namespace printgate::relay
