#include "lan_tls.hpp"

#include "printgate/tunnel/identity.hpp"
#include "printgate/tunnel/identity_authority.hpp"
#include "printgate/tunnel/identity_files.hpp"

#include <boost/asio/error.hpp>
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <filesystem>
#include <vector>

namespace printgate::edge {

namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_pem_bytes = 256 * 1024;
// Made once and kept: ten years, so that a printer on a shelf does not start warning anew.
constexpr std::chrono::hours made_lifetime{24 * 3650};

struct pem_pair {
    std::string chain;
    std::string key;
};

// The names the made certificate carries: the host name, localhost, loopback, and the listen
// address when it is one address (not 0.0.0.0 or ::).
std::vector<std::string> certificate_hosts(const edge_config& config) {
    std::vector<std::string> hosts;
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') {
        bool usable = true;
        for (const char* c = name; *c; ++c)
            usable = usable && (std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' || *c == '.');
        if (usable) hosts.emplace_back(name);
    }
    hosts.emplace_back("localhost");
    hosts.emplace_back("127.0.0.1");
    hosts.emplace_back("::1");
    const auto& a = config.http_address;
    if (a != "0.0.0.0" && a != "::" && a != "127.0.0.1" && a != "::1" && tunnel::is_ip_literal(a)) hosts.push_back(a);
    return hosts;
}

tunnel::identity_result<pem_pair> made_certificate(const edge_config& config) {
    const auto cert_file = config.state_dir / "lan-tls.pem";
    const auto key_file = config.state_dir / "lan-tls.key";
    std::error_code ec;
    const bool has_cert = fs::exists(cert_file, ec), has_key = fs::exists(key_file, ec);
    if (has_cert && has_key) {
        struct stat st {};
        if (::stat(key_file.c_str(), &st) != 0 || (st.st_mode & 077) != 0)
            return tunnel::identity_error{key_file.string() + " must be readable by its owner only (chmod 600)"};
        auto chain = tunnel::read_small_file(cert_file, max_pem_bytes);
        if (!chain) return tunnel::identity_error{chain.message()};
        auto key = tunnel::read_small_file(key_file, max_pem_bytes);
        if (!key) return tunnel::identity_error{key.message()};
        return pem_pair{std::move(*chain), std::move(*key)};
    }
    // A certificate signed by a one-time authority whose key is never stored: no one can sign
    // another certificate with it, so trusting it is trusting this certificate alone.
    const auto now = std::chrono::system_clock::now();
    auto authority = tunnel::identity_authority::create("printgate-edge LAN (one-time)", now);
    if (!authority) return tunnel::identity_error{authority.message()};
    auto key = tunnel::generate_p256_key();
    if (!key) return tunnel::identity_error{key.message()};
    auto cert = authority->sign_server(**key, certificate_hosts(config), now, made_lifetime);
    if (!cert) return tunnel::identity_error{cert.message()};
    auto cert_pem = tunnel::certificate_to_pem(**cert);
    auto key_pem = tunnel::private_key_to_pem(**key);
    if (!cert_pem || !key_pem) return tunnel::identity_error{"cannot encode the LAN certificate"};
    if (auto ok = tunnel::write_secret_file(key_file, *key_pem); !ok) return tunnel::identity_error{ok.message()};
    if (auto ok = tunnel::write_file_atomic(cert_file, *cert_pem, 0644); !ok) return tunnel::identity_error{ok.message()};
    return pem_pair{std::move(*cert_pem), std::move(*key_pem)};
}

}  // namespace

std::string colon_fingerprint(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i < hex.size(); ++i) {
        if (i > 0 && i % 2 == 0) out += ':';
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(hex[i])));
    }
    return out;
}

std::optional<lan_tls> load_lan_tls(const edge_config& config, std::string& why) {
    pem_pair pem;
    lan_tls out;
    if (!config.tls_cert.empty()) {
        auto chain = tunnel::read_small_file(config.tls_cert, max_pem_bytes);
        auto key = tunnel::read_small_file(config.tls_key, max_pem_bytes);
        if (!chain || !key) {
            why = "http.tls_cert / http.tls_key: " + (!chain ? chain.message() : key.message());
            return std::nullopt;
        }
        pem = {std::move(*chain), std::move(*key)};
        out.origin = config.tls_cert;
    } else {
        auto made = made_certificate(config);
        if (!made) {
            why = "the LAN listener's certificate: " + made.message();
            return std::nullopt;
        }
        pem = std::move(*made);
        out.origin = (config.state_dir / "lan-tls.pem").string();
    }
    auto certs = tunnel::certificates_from_pem(pem.chain);
    if (!certs || certs->empty()) {
        why = out.origin + ": no PEM certificate";
        return std::nullopt;
    }
    out.fingerprint = colon_fingerprint(tunnel::fingerprint_sha256(*certs->front()));

    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_compression);
    boost::system::error_code ec;
    ctx->use_certificate_chain(net::buffer(pem.chain), ec);
    if (!ec) ctx->use_private_key(net::buffer(pem.key), net::ssl::context::pem, ec);
    std::fill(pem.key.begin(), pem.key.end(), '\0');
    if (!ec && SSL_CTX_check_private_key(ctx->native_handle()) != 1) ec = net::error::invalid_argument;
    if (ec) {
        why = out.origin + ": the certificate and key cannot be used together (" + ec.message() + ")";
        return std::nullopt;
    }
    out.context = std::move(ctx);
    return out;
}

}  // namespace printgate::edge
