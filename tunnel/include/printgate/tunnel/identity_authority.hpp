#pragma once
// The relay's private certificate authority: a self-signed P-256 CA (10 years, CA:true,
// keyCertSign) that signs device certificates (URI SAN urn:printgate:device:<id>, clientAuth,
// 60 days by default, random 128-bit serial) and server certificates (serverAuth, DNS or IP
// SANs) for the tunnel listener and the development HTTPS listener.
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "printgate/tunnel/identity.hpp"

namespace printgate::tunnel {

inline constexpr std::chrono::hours device_certificate_lifetime{24 * 60};

class identity_authority {
public:
    static identity_result<identity_authority> create(std::string_view name, wall_time now);
    static identity_result<identity_authority> from_pem(std::string_view key_pem, std::string_view cert_pem);

    // Signs a device CSR: the subject is the device id, the key is the CSR's (P-256 only).
    identity_result<x509_ptr> sign_device(X509_REQ& csr, std::string_view device_id, wall_time not_before,
                                 wall_time not_after) const;
    // A server certificate for `key` naming `hosts` (IP literals become IP SANs).
    identity_result<x509_ptr> sign_server(EVP_PKEY& key, const std::vector<std::string>& hosts, wall_time now,
                                 std::chrono::hours lifetime) const;

    X509& certificate() const { return *cert_; }
    EVP_PKEY& key() const { return *key_; }
    std::string certificate_pem() const;
    identity_result<std::string> key_pem() const;
    std::string fingerprint() const { return fingerprint_sha256(*cert_); }

private:
    identity_authority(pkey_ptr key, x509_ptr cert) : key_(std::move(key)), cert_(std::move(cert)) {}
    identity_result<x509_ptr> sign(EVP_PKEY& subject_key, std::string_view common_name,
                          const std::vector<std::pair<int, std::string>>& extensions, wall_time not_before,
                          wall_time not_after) const;

    pkey_ptr key_;
    x509_ptr cert_;
};

}  // namespace printgate::tunnel
