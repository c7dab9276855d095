#include "demo_certificates.hpp"

#include <chrono>
#include <vector>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include "http_host.hpp"
#include "printgate/tunnel/identity.hpp"
#include "printgate/tunnel/identity_authority.hpp"

namespace printgate::relay {

struct demo_certificates::leaf {
    tunnel::x509_ptr certificate;
    tunnel::pkey_ptr key;
    STACK_OF(X509)* chain = nullptr;  // the CA, sent after the leaf

    ~leaf() {
        if (chain) sk_X509_pop_free(chain, X509_free);
    }
};

demo_certificates::demo_certificates(const tunnel::identity_authority& ca, std::string zone, std::size_t max_names)
    : ca_(ca), zone_(std::move(zone)), max_names_(max_names) {}

demo_certificates::~demo_certificates() = default;

void demo_certificates::install(SSL_CTX* ctx) { SSL_CTX_set_cert_cb(ctx, &demo_certificates::on_certificate, this); }

std::size_t demo_certificates::minted() const {
    std::lock_guard lock(mutex_);
    return leaves_.size();
}

std::string demo_certificates::device_host(std::string_view server_name, std::string_view zone) {
    // The same name rules and routing as the Host header: only NAME.ZONE gets a certificate.
    auto host = parse_host(server_name);
    if (!host || host->port || host->ip_literal) return {};
    if (route_host(*host, zone).kind != route_kind::device) return {};
    return host->name;
}

const demo_certificates::leaf* demo_certificates::find_or_mint(const std::string& host) {
    std::lock_guard lock(mutex_);
    if (auto it = leaves_.find(host); it != leaves_.end()) return it->second.get();
    if (leaves_.size() >= max_names_) return nullptr;
    auto key = tunnel::generate_p256_key();
    if (!key) {
        spdlog::warn("demo certificate for {}: {}", host, key.message());
        return nullptr;
    }
    auto certificate =
        ca_.sign_server(**key, {host}, std::chrono::system_clock::now(), std::chrono::hours(24 * 365));
    if (!certificate) {
        spdlog::warn("demo certificate for {}: {}", host, certificate.message());
        return nullptr;
    }
    auto made = std::make_unique<leaf>();
    made->certificate = std::move(*certificate);
    made->key = std::move(*key);
    made->chain = sk_X509_new_null();
    X509* ca_copy = X509_dup(&ca_.certificate());
    if (!made->chain || !ca_copy || sk_X509_push(made->chain, ca_copy) == 0) {
        X509_free(ca_copy);
        return nullptr;
    }
    spdlog::info("demo: minted a certificate for {} from the relay's CA", host);
    return leaves_.emplace(host, std::move(made)).first->second.get();
}

int demo_certificates::on_certificate(SSL* ssl, void* self) {
    auto& me = *static_cast<demo_certificates*>(self);
    const char* server_name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (!server_name) return 1;  // no SNI: the development certificate
    const auto host = device_host(server_name, me.zone_);
    if (host.empty()) return 1;
    const leaf* l = me.find_or_mint(host);
    if (!l) return 1;  // the cap, or minting failed: the development certificate (the client will say why)
    return SSL_use_cert_and_key(ssl, l->certificate.get(), l->key.get(), l->chain, 1) == 1 ? 1 : 0;
}

}  // namespace printgate::relay
