#include "printgate/tunnel/tls.hpp"

#include <array>

#if defined(__aarch64__) || defined(__arm__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/verify_context.hpp>

#include "printgate/tunnel/identity_authority.hpp"

namespace printgate::tunnel {
namespace {

using ssl_context = net::ssl::context;

std::string alpn_wire(std::string_view protocol) {
    std::string wire;
    wire.push_back(static_cast<char>(protocol.size()));
    wire.append(protocol);
    return wire;
}

// Both ends: TLS 1.3 and nothing older, no tickets, no session cache (a revoked device must
// not come back through a resumed session that skips the registry check).
identity_result<void> harden(ssl_context& ctx, bool aes_hardware = true) {
    SSL_CTX* native = ctx.native_handle();
    if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1)
        return identity_error{openssl_failure("restricting the context to TLS 1.3 failed")};
    if (SSL_CTX_set_ciphersuites(native, std::string(tunnel_ciphersuites(aes_hardware)).c_str()) != 1)
        return identity_error{openssl_failure("setting the TLS 1.3 cipher suites failed")};
    SSL_CTX_set_options(native, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(native, 0);
    return {};
}

identity_result<void> load_identity(ssl_context& ctx, std::string_view chain_pem, std::string_view key_pem) {
    boost::system::error_code ec;
    ctx.use_certificate_chain(net::buffer(chain_pem.data(), chain_pem.size()), ec);
    if (ec) return identity_error{openssl_failure("loading the certificate chain failed: " + ec.message())};
    ctx.use_private_key(net::buffer(key_pem.data(), key_pem.size()), ssl_context::pem, ec);
    if (ec) return identity_error{openssl_failure("loading the private key failed: " + ec.message())};
    if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
        return identity_error{openssl_failure("the private key does not match the certificate")};
    return {};
}

identity_result<void> trust_only(ssl_context& ctx, std::string_view ca_pem) {
    auto cert = certificate_from_pem(ca_pem);
    if (!cert) return identity_error{"trust anchor: " + cert.message()};
    // A fresh store, so the system's default CAs are never consulted.
    X509_STORE* store = X509_STORE_new();
    if (store == nullptr || X509_STORE_add_cert(store, cert->get()) != 1) {
        X509_STORE_free(store);
        return identity_error{openssl_failure("building the trust store failed")};
    }
    SSL_CTX_set_cert_store(ctx.native_handle(), store);
    return {};
}

int client_hello(SSL* ssl, int* /*alert*/, void* /*arg*/) {
    const unsigned char* data = nullptr;
    std::size_t size = 0;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &data, &size) == 1 &&
        alpn_list_offers(data, size, alpn_pair)) {
        // A device that comes to pair has no certificate yet: do not ask for one. The caller
        // routes this connection to the pairing exchange only (is_pairing_connection).
        SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

int select_alpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                unsigned int inlen, void* arg) {
    bool allow_pairing = arg != nullptr;
    for (std::string_view protocol : {alpn_pair, alpn_tunnel}) {
        if (protocol == alpn_pair && !allow_pairing) continue;
        // Point into the client's own list, as OpenSSL requires.
        std::size_t i = 0;
        while (i < inlen) {
            std::size_t n = in[i];
            if (i + 1 + n > inlen) break;
            if (std::string_view(reinterpret_cast<const char*>(in + i + 1), n) == protocol) {
                *out = in + i + 1;
                *outlen = static_cast<unsigned char>(n);
                return SSL_TLSEXT_ERR_OK;
            }
            i += 1 + n;
        }
    }
    return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace

std::string_view tunnel_ciphersuites(bool aes_hardware) {
    // With AES instructions, AES-128-GCM first (as browsers and OpenSSH order them): as strong
    // as the tunnel needs, and a quarter fewer AES rounds per byte than AES-256-GCM.
    if (aes_hardware) return "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
    return "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384";
}

bool cpu_has_aes() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("aes") != 0;
#elif defined(__aarch64__)
    return (getauxval(AT_HWCAP) & HWCAP_AES) != 0;
#elif defined(__arm__)
    return (getauxval(AT_HWCAP2) & HWCAP2_AES) != 0;
#else
    return false;
#endif
}

bool alpn_list_offers(const unsigned char* data, std::size_t size, std::string_view protocol) {
    if (data == nullptr || size < 2) return false;
    std::size_t list = (std::size_t{data[0]} << 8) | data[1];
    if (list != size - 2) return false;
    std::size_t i = 2;
    while (i < size) {
        std::size_t n = data[i];
        if (n == 0 || i + 1 + n > size) return false;
        if (std::string_view(reinterpret_cast<const char*>(data + i + 1), n) == protocol) return true;
        i += 1 + n;
    }
    return false;
}

std::optional<peer_identity> identity_of(X509& cert) {
    auto id = device_id_of(cert);
    if (!id) return std::nullopt;
    return peer_identity{*id, serial_hex(cert), not_after_of(cert)};
}

identity_result<std::shared_ptr<net::ssl::context>> make_server_context(server_tls_config config) {
    auto ctx = std::make_shared<ssl_context>(ssl_context::tls_server);
    if (auto ok = harden(*ctx); !ok) return identity_error{ok.message()};
    if (auto ok = load_identity(*ctx, config.chain_pem, config.key_pem); !ok) return identity_error{ok.message()};
    if (auto ok = trust_only(*ctx, config.ca_pem); !ok) return identity_error{ok.message()};
    SSL_CTX* native = ctx->native_handle();
    // Only the relay CA may appear in the CertificateRequest's list of acceptable issuers.
    auto ca = certificate_from_pem(config.ca_pem);
    if (ca) SSL_CTX_add_client_CA(native, ca->get());
    SSL_CTX_set_alpn_select_cb(native, select_alpn, config.allow_pairing ? native : nullptr);
    if (config.allow_pairing) SSL_CTX_set_client_hello_cb(native, client_hello, nullptr);
    boost::system::error_code ec;
    ctx->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return identity_error{"setting the verify mode failed: " + ec.message()};
    ctx->set_verify_callback(
        [admit = std::move(config.admit)](bool preverified, net::ssl::verify_context& vc) {
            if (!preverified) return false;  // bad chain, expired, wrong purpose: OpenSSL said no
            X509_STORE_CTX* store = vc.native_handle();
            if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
            X509* cert = X509_STORE_CTX_get_current_cert(store);
            auto who = cert ? identity_of(*cert) : std::nullopt;
            bool ok = who && admit && admit(*who);
            if (!ok) X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
            return ok;
        },
        ec);
    if (ec) return identity_error{"setting the verify callback failed: " + ec.message()};
    return ctx;
}

identity_result<std::shared_ptr<net::ssl::context>> make_client_context(const client_tls_config& config) {
    auto ctx = std::make_shared<ssl_context>(ssl_context::tls_client);
    if (auto ok = harden(*ctx, config.aes_hardware.value_or(cpu_has_aes())); !ok) return identity_error{ok.message()};
    if (auto ok = load_identity(*ctx, config.chain_pem, config.key_pem); !ok) return identity_error{ok.message()};
    if (auto ok = trust_only(*ctx, config.ca_pem); !ok) return identity_error{ok.message()};
    boost::system::error_code ec;
    ctx->set_verify_mode(net::ssl::verify_peer, ec);
    if (ec) return identity_error{"setting the verify mode failed: " + ec.message()};
    return ctx;
}

identity_result<std::shared_ptr<net::ssl::context>> make_pairing_client_context(std::optional<bool> aes_hardware) {
    auto ctx = std::make_shared<ssl_context>(ssl_context::tls_client);
    if (auto ok = harden(*ctx, aes_hardware.value_or(cpu_has_aes())); !ok) return identity_error{ok.message()};
    // The chain is checked by verify_pinned_peer once the handshake is done, against the
    // fingerprint from the pairing code: nothing secret is sent before that.
    SSL_CTX_set_verify(ctx->native_handle(), SSL_VERIFY_NONE, nullptr);
    return ctx;
}

identity_result<void> prepare_client(SSL* ssl, std::string_view host, std::string_view alpn) {
    std::string name(host);
    if (is_ip_literal(name)) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) != 1)
            return identity_error{openssl_failure("setting the expected address failed")};
    } else {
        if (SSL_set_tlsext_host_name(ssl, name.c_str()) != 1 || SSL_set1_host(ssl, name.c_str()) != 1)
            return identity_error{openssl_failure("setting the expected host name failed")};
    }
    auto wire = alpn_wire(alpn);
    if (SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size())) != 0)
        return identity_error{openssl_failure("setting ALPN failed")};
    return {};
}

bool is_pairing_connection(SSL* ssl) {
    const unsigned char* data = nullptr;
    unsigned int size = 0;
    SSL_get0_alpn_selected(ssl, &data, &size);
    return std::string_view(reinterpret_cast<const char*>(data), data ? size : 0) == alpn_pair;
}

std::optional<peer_identity> peer_identity_of(SSL* ssl) {
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
    return identity_of(*cert);
}

identity_result<std::string> verify_pinned_peer(SSL* ssl, std::string_view fingerprint, std::string_view host) {
    STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
    X509* leaf = SSL_get0_peer_certificate(ssl);
    if (chain == nullptr || leaf == nullptr) return identity_error{"the relay sent no certificate"};
    X509* anchor = nullptr;
    for (int i = 0; i < sk_X509_num(chain); ++i) {
        X509* c = sk_X509_value(chain, i);
        if (fingerprint_sha256(*c) == fingerprint && X509_check_ca(c) != 0) anchor = c;
    }
    if (anchor == nullptr)
        return identity_error{"the relay's CA does not match the fingerprint in the pairing code"};
    X509_STORE* store = X509_STORE_new();
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    identity_result<std::string> out = identity_error{"verification failed"};
    if (store != nullptr && ctx != nullptr && X509_STORE_add_cert(store, anchor) == 1 &&
        X509_STORE_CTX_init(ctx, store, leaf, chain) == 1) {
        X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
        std::string name(host);
        if (is_ip_literal(name)) X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
        else X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
        if (X509_verify_cert(ctx) == 1) {
            auto pem = certificate_to_pem(*anchor);
            out = pem ? identity_result<std::string>(std::move(*pem)) : identity_error{pem.message()};
        } else {
            out = identity_error{std::string("the relay's certificate is not valid for ") + name + ": " +
                                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx))};
        }
    } else {
        out = identity_error{openssl_failure("building the pinned trust store failed")};
    }
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return out;
}

}  // namespace printgate::tunnel
