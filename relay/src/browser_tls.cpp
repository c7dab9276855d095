#include "browser_tls.hpp"

#include <cstring>

#include <boost/asio/error.hpp>
#include <openssl/ssl.h>

namespace printgate::relay {

namespace net = boost::asio;

namespace {

// Mozilla intermediate (TLS 1.2 and 1.3), without the DHE suites that would need a
// parameter file. The tunnel listener stays TLS 1.3 only.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* tls13_ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* key_exchange_groups = "X25519:prime256v1:secp384r1";

int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
    static const unsigned char http11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outlen, http11, sizeof http11, in, inlen) ==
        OPENSSL_NPN_NEGOTIATED) {
        *out = selected;
        return SSL_TLSEXT_ERR_OK;
    }
    return SSL_TLSEXT_ERR_NOACK;  // a client without http/1.1 in its list: no ALPN at all
}

}  // namespace

browser_tls_result make_browser_tls_context(const std::filesystem::path& certificate_chain,
                                            const std::filesystem::path& private_key) {
    browser_tls_result result;
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION);
    ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                     net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
    SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1 ||
        SSL_CTX_set_ciphersuites(native, tls13_ciphersuites) != 1 ||
        SSL_CTX_set1_groups_list(native, key_exchange_groups) != 1) {
        result.error = net::error::invalid_argument;
        result.what = "cipher list";
        return result;
    }
    SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);

    ctx->use_certificate_chain_file(certificate_chain.string(), result.error);
    if (result.error) {
        result.what = "certificate chain " + certificate_chain.string();
        return result;
    }
    ctx->use_private_key_file(private_key.string(), net::ssl::context::pem, result.error);
    if (result.error) {
        result.what = "private key " + private_key.string();
        return result;
    }
    if (SSL_CTX_check_private_key(native) != 1) {
        result.error = net::error::invalid_argument;
        result.what = "private key does not match the certificate";
        return result;
    }
    result.context = std::move(ctx);
    return result;
}

}  // namespace printgate::relay
