#include "printgate/relay/ca_store.hpp"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "printgate/tunnel/identity_files.hpp"
#include "temp_dir.hpp"

namespace printgate::relay {
namespace {

const tunnel::wall_time now = std::chrono::system_clock::now();

mode_t mode_of(const std::filesystem::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
}

TEST(ca_store, created_on_first_start_and_reloaded_after) {
    testing::temp_dir dir;
    auto first = load_or_create_ca(dir / "state", now);
    ASSERT_TRUE(first) << first.message();
    EXPECT_EQ(mode_of(dir / "state" / "ca.key"), 0600u);
    auto second = load_or_create_ca(dir / "state", now);
    ASSERT_TRUE(second) << second.message();
    EXPECT_EQ(first->fingerprint(), second->fingerprint());
}

TEST(ca_store, refuses_a_readable_key_and_a_lone_file) {
    testing::temp_dir dir;
    ASSERT_TRUE(load_or_create_ca(dir.path(), now));
    ::chmod((dir / "ca.key").c_str(), 0644);
    auto loose = load_or_create_ca(dir.path(), now);
    ASSERT_FALSE(loose);
    EXPECT_NE(loose.message().find("chmod 600"), std::string::npos);
    std::filesystem::remove(dir / "ca.key");
    auto lone = load_or_create_ca(dir.path(), now);
    ASSERT_FALSE(lone);
    EXPECT_TRUE(std::filesystem::exists(dir / "ca.pem"));  // nothing replaced
}

TEST(ca_store, server_files_chain_to_the_ca_and_name_the_hosts) {
    testing::temp_dir dir;
    auto ca = load_or_create_ca(dir.path(), now);
    auto files = issue_server_files(*ca, dir.path(), "https-dev", {"localhost", "*.localhost"}, now);
    ASSERT_TRUE(files) << files.message();
    EXPECT_EQ(mode_of(files->key_file), 0600u);
    auto chain = tunnel::certificates_from_pem(testing::read_file(files->chain_file));
    ASSERT_TRUE(chain);
    ASSERT_EQ(chain->size(), 2u);
    EXPECT_EQ(tunnel::fingerprint_sha256(*(*chain)[1]), ca->fingerprint());
    EXPECT_EQ(X509_check_host((*chain)[0].get(), "localhost", 0, 0, nullptr), 1);
}

}  // namespace
}  // namespace printgate::relay
