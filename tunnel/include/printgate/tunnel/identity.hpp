#pragma once
// Device and relay identity with OpenSSL 3: ECDSA P-256 keys, PEM encoding, CSRs, and
// reading what a certificate says (device id, serial, expiry, SHA-256 fingerprint).
// Signing lives in identity_authority.hpp; atomic 0600 files in identity_files.hpp.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "printgate/tunnel/identity_result.hpp"

using EVP_PKEY = struct evp_pkey_st;
using X509 = struct x509_st;
using X509_REQ = struct X509_req_st;

namespace printgate::tunnel {

using wall_time = std::chrono::system_clock::time_point;

struct pkey_deleter { void operator()(EVP_PKEY* p) const; };
struct x509_deleter { void operator()(X509* p) const; };
struct x509_req_deleter { void operator()(X509_REQ* p) const; };
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using x509_req_ptr = std::unique_ptr<X509_REQ, x509_req_deleter>;

// "urn:printgate:device:" + id: the URI SAN that names a device in its certificate.
inline constexpr std::string_view device_uri_prefix = "urn:printgate:device:";

// The text of OpenSSL's error queue (emptied), prefixed with `what`.
std::string openssl_failure(std::string_view what);

identity_result<pkey_ptr> generate_p256_key();
identity_result<std::string> private_key_to_pem(EVP_PKEY& key);
identity_result<pkey_ptr> private_key_from_pem(std::string_view pem);
// Refuses anything but an EC P-256 key.
identity_result<void> check_p256(EVP_PKEY& key);

identity_result<std::string> certificate_to_pem(X509& cert);
identity_result<x509_ptr> certificate_from_pem(std::string_view pem);
// Every certificate in a PEM bundle, in order.
identity_result<std::vector<x509_ptr>> certificates_from_pem(std::string_view pem);

// A CSR signed by `key` with the given subject common name.
identity_result<x509_req_ptr> make_csr(EVP_PKEY& key, std::string_view common_name);
identity_result<std::string> csr_to_pem(X509_REQ& csr);
// Parses at most 8 KiB of PEM and checks the CSR's own signature and key type (P-256).
identity_result<x509_req_ptr> csr_from_pem(std::string_view pem);

// Lower-case hex SHA-256 of the DER certificate (64 characters).
std::string fingerprint_sha256(X509& cert);
std::string serial_hex(X509& cert);
// The id of the first "urn:printgate:device:" URI SAN, if any.
std::optional<std::string> device_id_of(X509& cert);
wall_time not_before_of(X509& cert);
wall_time not_after_of(X509& cert);
// True when `a` and `b` hold the same public key.
bool same_public_key(EVP_PKEY& a, EVP_PKEY& b);

// True for an IPv4 or IPv6 address literal ("127.0.0.1", "::1").
bool is_ip_literal(std::string_view text);

// Random bytes from OpenSSL's CSPRNG as lower-case hex (2 * bytes characters).
std::string random_hex(std::size_t bytes);
// Lower-case hex SHA-256 of arbitrary bytes.
std::string sha256_hex(std::string_view data);

}  // namespace printgate::tunnel
