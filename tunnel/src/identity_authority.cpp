#include "printgate/tunnel/identity_authority.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>

namespace printgate::tunnel {
namespace {

constexpr auto ca_lifetime = std::chrono::hours(24 * 3650);

// Only these characters reach an OpenSSL extension string, so a name can never smuggle in
// another SAN entry (", DNS:evil").
bool safe_token(std::string_view s, std::string_view extra) {
    if (s.empty() || s.size() > 253) return false;
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                  extra.find(c) != std::string_view::npos;
        if (!ok) return false;
    }
    return true;
}

identity_result<void> set_random_serial(X509& cert) {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), bytes.size()) != 1) return identity_error{openssl_failure("no random serial")};
    bytes[0] &= 0x7f;  // a positive INTEGER
    bytes[0] |= 0x40;  // and always 16 bytes long
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(bytes.data(), bytes.size(), nullptr), &BN_free);
    if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(&cert)) == nullptr)
        return identity_error{openssl_failure("setting the serial failed")};
    return {};
}

}  // namespace

identity_result<identity_authority> identity_authority::create(std::string_view name, wall_time now) {
    auto key = generate_p256_key();
    if (!key) return identity_error{key.message()};
    x509_ptr cert(X509_new());
    if (!cert) return identity_error{openssl_failure("creating the CA certificate failed")};
    identity_authority self(std::move(*key), std::move(cert));
    // Self-signed: the certificate is its own issuer while it is being built.
    auto signed_cert = self.sign(*self.key_, name,
                                 {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                  {NID_key_usage, "critical,keyCertSign,cRLSign"},
                                  {NID_subject_key_identifier, "hash"}},
                                 now - std::chrono::minutes(5), now + ca_lifetime);
    if (!signed_cert) return identity_error{signed_cert.message()};
    self.cert_ = std::move(*signed_cert);
    return self;
}

identity_result<identity_authority> identity_authority::from_pem(std::string_view key_pem, std::string_view cert_pem) {
    auto key = private_key_from_pem(key_pem);
    if (!key) return identity_error{"CA key: " + key.message()};
    auto cert = certificate_from_pem(cert_pem);
    if (!cert) return identity_error{"CA certificate: " + cert.message()};
    EVP_PKEY* pub = X509_get0_pubkey(cert->get());
    if (pub == nullptr || !same_public_key(**key, *pub)) return identity_error{"the CA key does not match the CA certificate"};
    if (X509_check_ca(cert->get()) == 0) return identity_error{"the CA certificate is not a CA"};
    return identity_authority(std::move(*key), std::move(*cert));
}

identity_result<x509_ptr> identity_authority::sign(EVP_PKEY& subject_key, std::string_view common_name,
                                          const std::vector<std::pair<int, std::string>>& extensions,
                                          wall_time not_before, wall_time not_after) const {
    x509_ptr cert(X509_new());
    if (!cert) return identity_error{openssl_failure("creating a certificate failed")};
    if (auto ok = set_random_serial(*cert); !ok) return identity_error{ok.message()};
    std::string cn(common_name);
    X509_NAME* subject = X509_get_subject_name(cert.get());
    // While create() builds the CA, cert_ is still empty: the new certificate is its own issuer.
    X509* issuer = X509_get0_pubkey(cert_.get()) == nullptr ? cert.get() : cert_.get();
    if (X509_set_version(cert.get(), 2) != 1 ||
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()),
                                   -1, -1, 0) != 1 ||
        X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) != 1 ||
        ASN1_TIME_set(X509_getm_notBefore(cert.get()), std::chrono::system_clock::to_time_t(not_before)) == nullptr ||
        ASN1_TIME_set(X509_getm_notAfter(cert.get()), std::chrono::system_clock::to_time_t(not_after)) == nullptr ||
        X509_set_pubkey(cert.get(), &subject_key) != 1)
        return identity_error{openssl_failure("filling in the certificate failed")};
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert.get(), nullptr, nullptr, 0);
    for (const auto& [nid, value] : extensions) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        if (ext == nullptr) return identity_error{openssl_failure("building extension " + value + " failed")};
        int added = X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
        if (added != 1) return identity_error{openssl_failure("adding an extension failed")};
    }
    if (X509_sign(cert.get(), key_.get(), EVP_sha256()) <= 0)
        return identity_error{openssl_failure("signing the certificate failed")};
    return cert;
}

identity_result<x509_ptr> identity_authority::sign_device(X509_REQ& csr, std::string_view device_id, wall_time not_before,
                                                 wall_time not_after) const {
    if (!safe_token(device_id, "") || device_id.size() > 64) return identity_error{"invalid device id"};
    EVP_PKEY* key = X509_REQ_get0_pubkey(&csr);
    if (key == nullptr) return identity_error{"the CSR has no public key"};
    if (auto ok = check_p256(*key); !ok) return identity_error{"CSR: " + ok.message()};
    if (X509_REQ_verify(&csr, key) != 1) return identity_error{openssl_failure("the CSR's signature is invalid")};
    std::string san = "URI:" + std::string(device_uri_prefix) + std::string(device_id);
    return sign(*key, device_id,
                {{NID_basic_constraints, "critical,CA:FALSE"},
                 {NID_key_usage, "critical,digitalSignature"},
                 {NID_ext_key_usage, "clientAuth"},
                 {NID_subject_alt_name, san},
                 {NID_subject_key_identifier, "hash"},
                 {NID_authority_key_identifier, "keyid"}},
                not_before, not_after);
}

identity_result<x509_ptr> identity_authority::sign_server(EVP_PKEY& key, const std::vector<std::string>& hosts, wall_time now,
                                                 std::chrono::hours lifetime) const {
    if (hosts.empty()) return identity_error{"a server certificate needs at least one host name"};
    std::string san;
    for (const auto& host : hosts) {
        if (!safe_token(host, "*:")) return identity_error{"invalid host name '" + host + "'"};
        if (!san.empty()) san += ',';
        san += (is_ip_literal(host) ? "IP:" : "DNS:") + host;
    }
    return sign(key, hosts.front(),
                {{NID_basic_constraints, "critical,CA:FALSE"},
                 {NID_key_usage, "critical,digitalSignature"},
                 {NID_ext_key_usage, "serverAuth"},
                 {NID_subject_alt_name, san},
                 {NID_subject_key_identifier, "hash"},
                 {NID_authority_key_identifier, "keyid"}},
                now - std::chrono::minutes(5), now + lifetime);
}

std::string identity_authority::certificate_pem() const {
    auto pem = certificate_to_pem(*cert_);
    return pem ? *pem : std::string();
}

identity_result<std::string> identity_authority::key_pem() const { return private_key_to_pem(*key_); }

}  // namespace printgate::tunnel
