#include "printgate/tunnel/identity.hpp"

#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "printgate/tunnel/identity_authority.hpp"
#include "printgate/tunnel/identity_files.hpp"
#include "temp_dir.hpp"

namespace printgate::tunnel {
namespace {

using namespace std::chrono_literals;

const wall_time now = std::chrono::system_clock::now();

TEST(identity, p256_key_round_trips_through_pem) {
    auto key = generate_p256_key();
    ASSERT_TRUE(key) << key.message();
    auto pem = private_key_to_pem(**key);
    ASSERT_TRUE(pem);
    EXPECT_NE(pem->find("BEGIN PRIVATE KEY"), std::string::npos);
    auto back = private_key_from_pem(*pem);
    ASSERT_TRUE(back) << back.message();
    EXPECT_TRUE(same_public_key(**key, **back));
}

TEST(identity, garbage_pem_is_an_error_with_openssl_reason) {
    auto key = private_key_from_pem("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n");
    ASSERT_FALSE(key);
    EXPECT_NE(key.message().find("reading the private key failed"), std::string::npos);
    EXPECT_FALSE(certificate_from_pem("hello"));
    EXPECT_FALSE(csr_from_pem(std::string(9000, 'A')));
}

TEST(identity, rsa_key_is_refused) {
    pkey_ptr rsa(EVP_RSA_gen(2048));
    ASSERT_TRUE(rsa);
    EXPECT_FALSE(check_p256(*rsa));
    auto pem = private_key_to_pem(*rsa);
    ASSERT_TRUE(pem);
    EXPECT_FALSE(private_key_from_pem(*pem));
}

TEST(identity, ca_is_self_signed_p256_ca_for_ten_years) {
    auto ca = identity_authority::create("printgate relay CA", now);
    ASSERT_TRUE(ca) << ca.message();
    X509& cert = ca->certificate();
    EXPECT_EQ(X509_check_ca(&cert), 1);
    EXPECT_EQ(X509_check_issued(&cert, &cert), X509_V_OK);
    EXPECT_TRUE(X509_get_key_usage(&cert) & KU_KEY_CERT_SIGN);
    EXPECT_GT(not_after_of(cert) - now, std::chrono::hours(24 * 3649));
    EXPECT_TRUE(check_p256(*X509_get0_pubkey(&cert)));
    EXPECT_EQ(ca->fingerprint().size(), 64u);
    EXPECT_EQ(ca->fingerprint(), fingerprint_sha256(cert));
}

TEST(identity, ca_reloads_from_pem_and_refuses_a_foreign_key) {
    auto ca = identity_authority::create("ca", now);
    ASSERT_TRUE(ca);
    auto key = ca->key_pem();
    ASSERT_TRUE(key);
    auto again = identity_authority::from_pem(*key, ca->certificate_pem());
    ASSERT_TRUE(again) << again.message();
    EXPECT_EQ(again->fingerprint(), ca->fingerprint());
    auto other = generate_p256_key();
    auto other_pem = private_key_to_pem(**other);
    EXPECT_FALSE(identity_authority::from_pem(*other_pem, ca->certificate_pem()));
}

TEST(identity, device_certificate_names_the_device_and_is_client_only) {
    auto ca = identity_authority::create("ca", now);
    auto key = generate_p256_key();
    auto csr = make_csr(**key, "printer1");
    ASSERT_TRUE(csr) << csr.message();
    auto csr_pem = csr_to_pem(**csr);
    ASSERT_TRUE(csr_pem);
    auto parsed = csr_from_pem(*csr_pem);
    ASSERT_TRUE(parsed) << parsed.message();
    auto cert = ca->sign_device(**parsed, "d0123456789abcdef", now, now + device_certificate_lifetime);
    ASSERT_TRUE(cert) << cert.message();
    EXPECT_EQ(device_id_of(**cert), "d0123456789abcdef");
    EXPECT_EQ(X509_check_issued(&ca->certificate(), cert->get()), X509_V_OK);
    EXPECT_EQ(X509_check_purpose(cert->get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
    EXPECT_EQ(X509_check_purpose(cert->get(), X509_PURPOSE_SSL_SERVER, 0), 0);
    EXPECT_EQ(X509_check_ca(cert->get()), 0);
    EXPECT_TRUE(same_public_key(**key, *X509_get0_pubkey(cert->get())));
    EXPECT_EQ(not_after_of(**cert) - not_before_of(**cert), std::chrono::hours(24 * 60));
    // 128-bit random serials: 32 hex digits, different every time.
    auto second = ca->sign_device(**parsed, "d0123456789abcdef", now, now + 1h);
    EXPECT_EQ(serial_hex(**cert).size(), 32u);
    EXPECT_NE(serial_hex(**cert), serial_hex(**second));
}

TEST(identity, device_id_cannot_inject_extension_text) {
    auto ca = identity_authority::create("ca", now);
    auto key = generate_p256_key();
    auto csr = make_csr(**key, "x");
    EXPECT_FALSE(ca->sign_device(**csr, "a,DNS:evil.example", now, now + 1h));
    EXPECT_FALSE(ca->sign_device(**csr, "", now, now + 1h));
}

TEST(identity, server_certificate_names_hosts_and_ip_addresses) {
    auto ca = identity_authority::create("ca", now);
    auto key = generate_p256_key();
    auto cert = ca->sign_server(**key, {"localhost", "*.localhost", "127.0.0.1"}, now, 24h * 365);
    ASSERT_TRUE(cert) << cert.message();
    // (OpenSSL will not match "*.localhost": a wildcard needs two labels below it.)
    EXPECT_EQ(X509_check_host(cert->get(), "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(cert->get(), "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_host(cert->get(), "example.com", 0, 0, nullptr), 0);
    EXPECT_EQ(X509_check_purpose(cert->get(), X509_PURPOSE_SSL_SERVER, 0), 1);
    EXPECT_FALSE(device_id_of(**cert));
    EXPECT_FALSE(ca->sign_server(**key, {"a, DNS:b"}, now, 1h));
}

TEST(identity, secret_files_are_0600_and_replaced_atomically) {
    testing::temp_dir dir;
    auto file = dir / "device.key";
    ASSERT_TRUE(write_secret_file(file, "first"));
    ASSERT_TRUE(write_secret_file(file, "second"));
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(testing::read_file(file), "second");
    int entries = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path())) ++entries;
    EXPECT_EQ(entries, 1);  // no temporary file left behind
    EXPECT_FALSE(write_secret_file(dir / "missing" / "x.key", "x"));
}

}  // namespace
}  // namespace printgate::tunnel
