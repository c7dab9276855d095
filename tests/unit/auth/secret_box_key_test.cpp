#include "printgate/auth/secret_box_key.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "temp_dir.hpp"
#include "error_code.hpp"

namespace printgate::auth {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& p) {
    struct stat st{};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 0777;
}

std::vector<std::uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(auth_secret_box_key, created_0600_even_with_a_lax_umask) {
    printgate::testing::temp_dir dir;
    const auto path = dir / "totp.key";
    auto old_mask = ::umask(0);
    seeded_random_source random(1);
    auto key = secret_box_key::load_or_create(path, random);
    ::umask(old_mask);
    ASSERT_TRUE(key.ok()) << key.message();
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(fs::file_size(path), 32u);
    // No temporary file left next to it.
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator{}), 1);
}

TEST(auth_secret_box_key, loads_the_same_key_again) {
    printgate::testing::temp_dir dir;
    const auto path = dir / "totp.key";
    seeded_random_source random(2);
    auto first = secret_box_key::load_or_create(path, random);
    ASSERT_TRUE(first.ok());
    auto sealed = first->seal(bytes("a totp secret"), random);
    auto second = secret_box_key::load_or_create(path, random);
    ASSERT_TRUE(second.ok()) << second.message();
    auto opened = second->open(sealed);
    ASSERT_TRUE(opened.ok()) << opened.message();
    EXPECT_EQ(std::string(opened->data(), opened->data() + opened->size()), "a totp secret");
}

TEST(auth_secret_box_key, refuses_group_or_world_access) {
    printgate::testing::temp_dir dir;
    const auto path = dir / "totp.key";
    seeded_random_source random(3);
    ASSERT_TRUE(secret_box_key::load_or_create(path, random).ok());
    for (unsigned mode : {0640u, 0604u, 0660u, 0644u, 0620u, 0602u}) {
        ASSERT_EQ(::chmod(path.c_str(), mode), 0);
        auto r = secret_box_key::load_or_create(path, random);
        ASSERT_FALSE(r.ok()) << std::oct << mode;
        EXPECT_EQ(test::code_of(r), errc::permission);
        EXPECT_NE(r.message().find("chmod 600"), std::string::npos) << r.message();
    }
    ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
    EXPECT_TRUE(secret_box_key::load_or_create(path, random).ok());
}

TEST(auth_secret_box_key, refuses_symlinks_wrong_size_and_directories) {
    printgate::testing::temp_dir dir;
    seeded_random_source random(4);
    const auto real = dir / "real.key";
    ASSERT_TRUE(secret_box_key::load_or_create(real, random).ok());
    fs::create_symlink(real, dir / "link.key");
    EXPECT_EQ(test::code_of(secret_box_key::load_or_create(dir / "link.key", random)), errc::permission);

    const auto short_key = dir / "short.key";
    printgate::testing::write_file(short_key, "too short");
    ::chmod(short_key.c_str(), 0600);
    EXPECT_EQ(test::code_of(secret_box_key::load_or_create(short_key, random)), errc::malformed);

    fs::create_directory(dir / "adir");
    ::chmod((dir / "adir").c_str(), 0700);
    EXPECT_FALSE(secret_box_key::load_or_create(dir / "adir", random).ok());
    EXPECT_FALSE(secret_box_key::load_or_create(dir / "missing-dir" / "x.key", random).ok());
}

TEST(auth_secret_box_key, seal_is_authenticated_and_key_specific) {
    seeded_random_source random(5);
    std::array<std::uint8_t, 32> k1{}, k2{};
    k2[0] = 1;
    auto a = secret_box_key::from_bytes(k1);
    auto b = secret_box_key::from_bytes(k2);
    auto sealed = a.seal(bytes("12345678901234567890"), random);
    EXPECT_EQ(sealed.size(), 24u + 16u + 20u);
    EXPECT_EQ(std::string(sealed.begin(), sealed.end()).find("1234567890"), std::string::npos);
    EXPECT_TRUE(a.open(sealed).ok());
    EXPECT_EQ(test::code_of(b.open(sealed)), errc::wrong_secret);
    auto tampered = sealed;
    tampered.back() ^= 1;
    EXPECT_EQ(test::code_of(a.open(tampered)), errc::wrong_secret);
    EXPECT_EQ(test::code_of(a.open(std::span(sealed.data(), 10))), errc::malformed);
    // Fresh nonce each time: the same plaintext seals differently.
    EXPECT_NE(a.seal(bytes("12345678901234567890"), random), sealed);
}

TEST(auth_secret_box_key, derived_keys_differ_by_purpose) {
    std::array<std::uint8_t, 32> k{};
    auto key = secret_box_key::from_bytes(k);
    auto r1 = key.derive(1, "recovery");
    auto r1_again = key.derive(1, "recovery");
    auto r2 = key.derive(2, "recovery");
    auto other = key.derive(1, "apikeys_");
    EXPECT_TRUE(constant_time_equal(r1.span(), r1_again.span()));
    EXPECT_FALSE(constant_time_equal(r1.span(), r2.span()));
    EXPECT_FALSE(constant_time_equal(r1.span(), other.span()));
    EXPECT_THROW(key.derive(1, "short"), std::invalid_argument);
}

}  // namespace
}  // namespace printgate::auth
