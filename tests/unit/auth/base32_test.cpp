#include "printgate/auth/base32.hpp"

#include <gtest/gtest.h>

#include "printgate/auth/random_source.hpp"
#include "error_code.hpp"

namespace printgate::auth {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

TEST(auth_base32, rfc4648_vectors) {
    // RFC 4648 section 10, without the padding.
    EXPECT_EQ(base32_encode(bytes_of("")), "");
    EXPECT_EQ(base32_encode(bytes_of("f")), "MY");
    EXPECT_EQ(base32_encode(bytes_of("fo")), "MZXQ");
    EXPECT_EQ(base32_encode(bytes_of("foo")), "MZXW6");
    EXPECT_EQ(base32_encode(bytes_of("foob")), "MZXW6YQ");
    EXPECT_EQ(base32_encode(bytes_of("fooba")), "MZXW6YTB");
    EXPECT_EQ(base32_encode(bytes_of("foobar")), "MZXW6YTBOI");
    EXPECT_EQ(base32_decode("MZXW6YTBOI======").value(), bytes_of("foobar"));
    EXPECT_EQ(base32_decode("MZXW6YQ=").value(), bytes_of("foob"));
}

TEST(auth_base32, round_trips_every_length) {
    seeded_random_source random(7);
    for (std::size_t len = 0; len < 70; ++len) {
        std::vector<std::uint8_t> data(len);
        random.fill(data);
        auto text = base32_encode(data);
        auto back = base32_decode(text);
        ASSERT_TRUE(back.ok()) << len << ": " << back.message();
        EXPECT_EQ(back.value(), data) << len;
    }
}

TEST(auth_base32, accepts_what_people_type) {
    auto expected = bytes_of("foobar");
    EXPECT_EQ(base32_decode("mzxw6ytboi").value(), expected);
    EXPECT_EQ(base32_decode("MZXW 6YTB OI").value(), expected);
    EXPECT_EQ(base32_decode("MZXW-6YTB-OI").value(), expected);
}

TEST(auth_base32, rejects_bad_text) {
    EXPECT_EQ(test::code_of(base32_decode("MZXW6YTB0I")), errc::malformed);  // zero is not in the alphabet
    EXPECT_EQ(test::code_of(base32_decode("MZXW1")), errc::malformed);
    EXPECT_EQ(test::code_of(base32_decode("MZXW6YTBOI=A")), errc::malformed);  // padding in the middle
    EXPECT_EQ(test::code_of(base32_decode("M")), errc::malformed);             // impossible length
    EXPECT_EQ(test::code_of(base32_decode("MZX")), errc::malformed);
    EXPECT_EQ(test::code_of(base32_decode("MZ")), errc::malformed);
    EXPECT_EQ(test::code_of(base32_decode(std::string(2000, 'A'))), errc::too_large);
}

}  // namespace
}  // namespace printgate::auth
