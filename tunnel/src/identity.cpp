#include "printgate/tunnel/identity.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstring>

namespace printgate::tunnel {

void pkey_deleter::operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
void x509_deleter::operator()(X509* p) const { X509_free(p); }
void x509_req_deleter::operator()(X509_REQ* p) const { X509_REQ_free(p); }

namespace {

struct bio_deleter {
    void operator()(BIO* b) const { BIO_free(b); }
};
using bio_ptr = std::unique_ptr<BIO, bio_deleter>;

constexpr std::size_t max_pem = 64 * 1024;
constexpr std::size_t max_csr_pem = 8 * 1024;

bio_ptr memory_bio(std::string_view data) {
    return bio_ptr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string bio_text(BIO& bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(&bio, &data);
    return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string to_hex(const unsigned char* data, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 15]);
    }
    return out;
}

wall_time from_asn1(const ASN1_TIME* t) {
    struct tm tm {};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return wall_time{};
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::string openssl_failure(std::string_view what) {
    std::string text(what);
    unsigned long e = 0;
    bool first = true;
    while ((e = ERR_get_error()) != 0) {
        std::array<char, 256> buf{};
        ERR_error_string_n(e, buf.data(), buf.size());
        text += first ? ": " : "; ";
        text += buf.data();
        first = false;
    }
    return text;
}

identity_result<pkey_ptr> generate_p256_key() {
    pkey_ptr key(EVP_EC_gen("P-256"));
    if (!key) return identity_error{openssl_failure("generating a P-256 key failed")};
    return key;
}

identity_result<std::string> private_key_to_pem(EVP_PKEY& key) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
        return identity_error{openssl_failure("encoding the private key failed")};
    return bio_text(*bio);
}

identity_result<void> check_p256(EVP_PKEY& key) {
    if (EVP_PKEY_get_base_id(&key) != EVP_PKEY_EC) return identity_error{"the key is not an EC key"};
    std::array<char, 64> group{};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(&key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &len) != 1)
        return identity_error{openssl_failure("reading the key's curve failed")};
    if (std::string_view(group.data(), len) != "prime256v1") return identity_error{"the key is not on curve P-256"};
    return {};
}

identity_result<pkey_ptr> private_key_from_pem(std::string_view pem) {
    if (pem.size() > max_pem) return identity_error{"the private key file is too large"};
    auto bio = memory_bio(pem);
    pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return identity_error{openssl_failure("reading the private key failed")};
    if (auto ok = check_p256(*key); !ok) return identity_error{ok.message()};
    return key;
}

identity_result<std::string> certificate_to_pem(X509& cert) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), &cert) != 1)
        return identity_error{openssl_failure("encoding the certificate failed")};
    return bio_text(*bio);
}

identity_result<x509_ptr> certificate_from_pem(std::string_view pem) {
    if (pem.size() > max_pem) return identity_error{"the certificate is too large"};
    auto bio = memory_bio(pem);
    x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) return identity_error{openssl_failure("reading the certificate failed")};
    return cert;
}

identity_result<std::vector<x509_ptr>> certificates_from_pem(std::string_view pem) {
    if (pem.size() > max_pem) return identity_error{"the certificate bundle is too large"};
    auto bio = memory_bio(pem);
    std::vector<x509_ptr> certs;
    for (;;) {
        x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!cert) break;
        certs.push_back(std::move(cert));
    }
    ERR_clear_error();  // the end of the bundle reads as "no start line"
    if (certs.empty()) return identity_error{"no certificate in the PEM text"};
    return certs;
}

identity_result<x509_req_ptr> make_csr(EVP_PKEY& key, std::string_view common_name) {
    x509_req_ptr req(X509_REQ_new());
    if (!req) return identity_error{openssl_failure("creating a CSR failed")};
    std::string cn(common_name);
    X509_NAME* name = X509_REQ_get_subject_name(req.get());
    if (X509_REQ_set_version(req.get(), 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()),
                                   -1, -1, 0) != 1 ||
        X509_REQ_set_pubkey(req.get(), &key) != 1 || X509_REQ_sign(req.get(), &key, EVP_sha256()) <= 0)
        return identity_error{openssl_failure("signing the CSR failed")};
    return req;
}

identity_result<std::string> csr_to_pem(X509_REQ& csr) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509_REQ(bio.get(), &csr) != 1)
        return identity_error{openssl_failure("encoding the CSR failed")};
    return bio_text(*bio);
}

identity_result<x509_req_ptr> csr_from_pem(std::string_view pem) {
    if (pem.size() > max_csr_pem) return identity_error{"the CSR is too large"};
    auto bio = memory_bio(pem);
    x509_req_ptr req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    if (!req) return identity_error{openssl_failure("reading the CSR failed")};
    EVP_PKEY* key = X509_REQ_get0_pubkey(req.get());
    if (key == nullptr) return identity_error{openssl_failure("the CSR has no public key")};
    if (auto ok = check_p256(*key); !ok) return identity_error{"CSR: " + ok.message()};
    if (X509_REQ_verify(req.get(), key) != 1) return identity_error{openssl_failure("the CSR's signature is invalid")};
    return req;
}

std::string fingerprint_sha256(X509& cert) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int n = 0;
    if (X509_digest(&cert, EVP_sha256(), md.data(), &n) != 1) return {};
    return to_hex(md.data(), n);
}

std::string serial_hex(X509& cert) {
    const ASN1_INTEGER* serial = X509_get0_serialNumber(&cert);
    std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(ASN1_INTEGER_to_BN(serial, nullptr), &BN_free);
    if (!bn) return {};
    char* hex = BN_bn2hex(bn.get());
    if (hex == nullptr) return {};
    std::string out(hex);
    OPENSSL_free(hex);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<std::string> device_id_of(X509& cert) {
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(&cert, NID_subject_alt_name, nullptr, nullptr));
    if (names == nullptr) return std::nullopt;
    std::optional<std::string> id;
    for (int i = 0; i < sk_GENERAL_NAME_num(names) && !id; ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
        if (gn->type != GEN_URI) continue;
        const ASN1_IA5STRING* uri = gn->d.uniformResourceIdentifier;
        std::string_view text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                              static_cast<std::size_t>(ASN1_STRING_length(uri)));
        if (text.starts_with(device_uri_prefix) && text.size() > device_uri_prefix.size())
            id = std::string(text.substr(device_uri_prefix.size()));
    }
    GENERAL_NAMES_free(names);
    return id;
}

wall_time not_before_of(X509& cert) { return from_asn1(X509_get0_notBefore(&cert)); }
wall_time not_after_of(X509& cert) { return from_asn1(X509_get0_notAfter(&cert)); }

bool same_public_key(EVP_PKEY& a, EVP_PKEY& b) { return EVP_PKEY_eq(&a, &b) == 1; }

bool is_ip_literal(std::string_view text) {
    std::string s(text);
    ASN1_OCTET_STRING* ip = a2i_IPADDRESS(s.c_str());
    bool is_ip = ip != nullptr;
    ASN1_OCTET_STRING_free(ip);
    ERR_clear_error();
    return is_ip;
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) std::abort();  // no entropy: nothing is safe
    return to_hex(buf.data(), buf.size());
}

std::string sha256_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int n = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &n, EVP_sha256(), nullptr) != 1) return {};
    return to_hex(md.data(), n);
}

}  // namespace printgate::tunnel
