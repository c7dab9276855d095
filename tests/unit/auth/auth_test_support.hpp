#pragma once
// Shared by the auth unit tests: a fresh database in a temp dir, a manual clock, a
// deterministic random source, and a way to look for bytes anywhere in the SQLite files.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "error_code.hpp"
#include "printgate/auth/database.hpp"
#include "printgate/auth/password_hasher.hpp"
#include "printgate/auth/random_source.hpp"
#include "printgate/auth/secret_box_key.hpp"
#include "printgate/auth/user_store.hpp"
#include "printgate/auth/wall_clock.hpp"
#include "temp_dir.hpp"

namespace printgate::auth::test {

// Argon2id with 64 KiB and one pass: the same code path, milliseconds instead of seconds.
inline argon2_params fast_argon2() { return argon2_params{64, 1, 1, 16, 32}; }

inline secret_box_key test_key() {
    std::array<std::uint8_t, 32> k{};
    for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i * 7 + 1);
    return secret_box_key::from_bytes(k);
}

// True if `needle` occurs in the database file or its -wal / -shm companions.
inline bool db_files_contain(const std::filesystem::path& db, std::string_view needle) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::path p = db.string() + suffix;
        if (!std::filesystem::exists(p)) continue;
        std::string bytes = printgate::testing::read_file(p);
        if (bytes.find(needle) != std::string::npos) return true;
    }
    return false;
}

// True if every character of text is in the given set (std::regex trips GCC 12's
// -Wmaybe-uninitialized under the sanitizer build).
inline bool all_of_set(std::string_view text, std::string_view set) {
    return text.find_first_not_of(set) == std::string_view::npos;
}
inline constexpr std::string_view base32_upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
inline constexpr std::string_view base32_lower = "abcdefghijklmnopqrstuvwxyz234567";
inline constexpr std::string_view base64url_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

class db_fixture : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = database::open(db_path());
        ASSERT_TRUE(opened.ok()) << opened.message();
        db_ = std::move(opened.value());
    }

    std::filesystem::path db_path() const { return dir_ / "auth.db"; }

    // A user with a syntactically valid hash (no Argon2 work needed for store tests).
    std::int64_t make_user(const std::string& name, user_role role = user_role::user) {
        user_store users(*db_, clock_);
        auto u = users.create(name, "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", role);
        EXPECT_TRUE(u.ok()) << (u.ok() ? "" : u.message());
        return u.ok() ? u->id : 0;
    }

    printgate::testing::temp_dir dir_;
    manual_wall_clock clock_;
    seeded_random_source random_{42};
    std::unique_ptr<database> db_;
};

}  // namespace printgate::auth::test
