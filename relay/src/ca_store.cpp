#include "printgate/relay/ca_store.hpp"

#include <sys/stat.h>

#include "printgate/tunnel/identity_files.hpp"

namespace printgate::relay {

using tunnel::identity_error;
using tunnel::identity_result;
namespace fs = std::filesystem;

identity_result<tunnel::identity_authority> load_or_create_ca(const fs::path& dir, tunnel::wall_time now) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return identity_error{"cannot create " + dir.string() + ": " + ec.message()};
    ::chmod(dir.c_str(), 0700);
    auto key_file = dir / "ca.key";
    auto cert_file = dir / "ca.pem";
    bool has_key = fs::exists(key_file);
    bool has_cert = fs::exists(cert_file);
    if (!has_key && !has_cert) {
        auto ca = tunnel::identity_authority::create("printgate relay CA", now);
        if (!ca) return ca;
        auto key_pem = ca->key_pem();
        if (!key_pem) return identity_error{key_pem.message()};
        if (auto ok = tunnel::write_secret_file(key_file, *key_pem); !ok) return identity_error{ok.message()};
        if (auto ok = tunnel::write_file_atomic(cert_file, ca->certificate_pem(), 0644); !ok)
            return identity_error{ok.message()};
        return ca;
    }
    if (!has_key || !has_cert)
        return identity_error{"found only one of " + key_file.string() + " and " + cert_file.string() +
                              "; restore the other (replacing the CA would unpair every device)"};
    struct stat st {};
    if (::stat(key_file.c_str(), &st) != 0 || (st.st_mode & 077) != 0)
        return identity_error{key_file.string() + " must be readable by its owner only (chmod 600)"};
    auto key_pem = tunnel::read_small_file(key_file, 64 * 1024);
    if (!key_pem) return identity_error{key_pem.message()};
    auto cert_pem = tunnel::read_small_file(cert_file, 64 * 1024);
    if (!cert_pem) return identity_error{cert_pem.message()};
    return tunnel::identity_authority::from_pem(*key_pem, *cert_pem);
}

identity_result<server_files> issue_server_files(const tunnel::identity_authority& ca, const fs::path& dir,
                                                 const std::string& stem, const std::vector<std::string>& hosts,
                                                 tunnel::wall_time now) {
    auto key = tunnel::generate_p256_key();
    if (!key) return identity_error{key.message()};
    auto cert = ca.sign_server(**key, hosts, now, std::chrono::hours(24 * 365));
    if (!cert) return identity_error{cert.message()};
    auto leaf = tunnel::certificate_to_pem(**cert);
    auto key_pem = tunnel::private_key_to_pem(**key);
    if (!leaf || !key_pem) return identity_error{"cannot encode the server certificate"};
    server_files files{dir / (stem + ".pem"), dir / (stem + ".key"), *leaf + ca.certificate_pem(), *key_pem};
    if (auto ok = tunnel::write_secret_file(files.key_file, files.key_pem); !ok) return identity_error{ok.message()};
    if (auto ok = tunnel::write_file_atomic(files.chain_file, files.chain_pem, 0644); !ok)
        return identity_error{ok.message()};
    return files;
}

}  // namespace printgate::relay
