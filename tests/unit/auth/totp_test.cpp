#include "printgate/auth/totp.hpp"

#include <gtest/gtest.h>

#include "printgate/auth/base32.hpp"
#include "printgate/auth/totp_enrollment.hpp"
#include "error_code.hpp"

namespace printgate::auth {
namespace {

using std::chrono::seconds;

std::vector<std::uint8_t> ascii(std::string_view s) { return {s.begin(), s.end()}; }
wall_clock::time_point at(std::int64_t unix_seconds) { return wall_clock::time_point{seconds(unix_seconds)}; }

// RFC 6238 appendix B: the seeds are the ASCII digits, as long as each hash's output.
const auto sha1_seed = ascii("12345678901234567890");
const auto sha256_seed = ascii("12345678901234567890123456789012");
const auto sha512_seed = ascii("1234567890123456789012345678901234567890123456789012345678901234");

struct vector_row {
    std::int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
};

TEST(auth_totp, rfc6238_appendix_b_vectors) {
    const vector_row rows[] = {
        {59, "94287082", "46119246", "90693936"},
        {1111111109, "07081804", "68084774", "25091201"},
        {1111111111, "14050471", "67062674", "99943326"},
        {1234567890, "89005924", "91819424", "93441116"},
        {2000000000, "69279037", "90698825", "38618901"},
        {20000000000, "65353130", "77737706", "47863826"},
    };
    totp sha1({totp_algorithm::sha1, 8, seconds(30), 1});
    totp sha256({totp_algorithm::sha256, 8, seconds(30), 1});
    totp sha512({totp_algorithm::sha512, 8, seconds(30), 1});
    for (const auto& r : rows) {
        // system_clock counts nanoseconds and ends in 2262: the year-2603 row goes by step.
        const auto step = static_cast<std::uint64_t>(r.time) / 30;
        if (r.time < 9'000'000'000) {
            EXPECT_EQ(sha1.step_at(at(r.time)), step);
        }
        EXPECT_EQ(sha1.code_at_step(sha1_seed, step), r.sha1) << r.time;
        EXPECT_EQ(sha256.code_at_step(sha256_seed, step), r.sha256) << r.time;
        EXPECT_EQ(sha512.code_at_step(sha512_seed, step), r.sha512) << r.time;
    }
    EXPECT_EQ(sha1.code_at(sha1_seed, at(1111111109)), "07081804");
}

TEST(auth_totp, rfc4226_hotp_vectors) {
    const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                              "254676", "287922", "162583", "399871", "520489"};
    totp t;  // SHA-1, 6 digits: what authenticator apps use
    for (std::uint64_t count = 0; count < 10; ++count) EXPECT_EQ(t.code_at_step(sha1_seed, count), expected[count]);
}

TEST(auth_totp, steps_start_at_multiples_of_the_period) {
    totp t;
    EXPECT_EQ(t.step_at(at(0)), 0u);
    EXPECT_EQ(t.step_at(at(29)), 0u);
    EXPECT_EQ(t.step_at(at(30)), 1u);
    EXPECT_EQ(t.step_at(at(59) + std::chrono::milliseconds(999)), 1u);
    EXPECT_EQ(t.step_at(at(60)), 2u);
}

TEST(auth_totp, accepts_one_step_either_side_and_no_further) {
    totp t;
    const auto now = at(1'700'000'010);  // step 56666667 started at ...000, ends at ...020
    const std::uint64_t step = t.step_at(now);
    for (std::int64_t delta : {-1, 0, 1}) {
        auto code = t.code_at_step(sha1_seed, step + static_cast<std::uint64_t>(delta));
        auto r = t.verify(sha1_seed, code, now, std::nullopt);
        ASSERT_TRUE(r.ok()) << delta << ": " << r.message();
        EXPECT_EQ(r.value(), step + static_cast<std::uint64_t>(delta));
    }
    for (std::int64_t delta : {-2, 2}) {
        auto code = t.code_at_step(sha1_seed, step + static_cast<std::uint64_t>(delta));
        EXPECT_EQ(test::code_of(t.verify(sha1_seed, code, now, std::nullopt)), errc::wrong_secret) << delta;
    }
}

TEST(auth_totp, window_edges_to_the_second) {
    totp t;
    // The code of step s is accepted from the first instant of step s-1 ...
    const std::uint64_t s = 1000;
    const auto code = t.code_at_step(sha1_seed, s);
    const auto start_of = [](std::uint64_t step) { return at(static_cast<std::int64_t>(step) * 30); };
    EXPECT_FALSE(t.verify(sha1_seed, code, start_of(s - 1) - std::chrono::microseconds(1), std::nullopt).ok());
    EXPECT_TRUE(t.verify(sha1_seed, code, start_of(s - 1), std::nullopt).ok());
    // ... to the last instant of step s+1.
    EXPECT_TRUE(t.verify(sha1_seed, code, start_of(s + 2) - std::chrono::microseconds(1), std::nullopt).ok());
    EXPECT_FALSE(t.verify(sha1_seed, code, start_of(s + 2), std::nullopt).ok());
}

TEST(auth_totp, refuses_a_step_at_or_below_the_last_accepted) {
    totp t;
    const auto now = at(1'700'000'010);
    const std::uint64_t step = t.step_at(now);
    const auto code = t.code_at_step(sha1_seed, step);
    EXPECT_EQ(test::code_of(t.verify(sha1_seed, code, now, step)), errc::replayed);
    EXPECT_EQ(test::code_of(t.verify(sha1_seed, code, now, step + 1)), errc::replayed);
    EXPECT_TRUE(t.verify(sha1_seed, code, now, step - 1).ok());
    // The previous step's code is refused once the current one was used.
    const auto previous = t.code_at_step(sha1_seed, step - 1);
    EXPECT_EQ(test::code_of(t.verify(sha1_seed, previous, now, step)), errc::replayed);
    // The next step's code is still fine.
    EXPECT_EQ(t.verify(sha1_seed, t.code_at_step(sha1_seed, step + 1), now, step).value(), step + 1);
}

TEST(auth_totp, normalizes_typed_codes) {
    EXPECT_EQ(totp::normalize_code("123 456", 6).value(), "123456");
    EXPECT_EQ(totp::normalize_code(" 123-456 ", 6).value(), "123456");
    EXPECT_EQ(test::code_of(totp::normalize_code("12345", 6)), errc::malformed);
    EXPECT_EQ(test::code_of(totp::normalize_code("1234567", 6)), errc::malformed);
    EXPECT_EQ(test::code_of(totp::normalize_code("12345a", 6)), errc::malformed);
    EXPECT_EQ(test::code_of(totp::normalize_code("１２３４５６", 6)), errc::malformed);  // full-width digits
    EXPECT_EQ(test::code_of(totp::normalize_code(std::string(40, '1'), 6)), errc::too_large);
    totp t;
    EXPECT_EQ(test::code_of(t.verify(sha1_seed, "12345x", at(100), std::nullopt)), errc::malformed);
    EXPECT_EQ(test::code_of(t.verify(std::span<const std::uint8_t>{}, "123456", at(100), std::nullopt)),
              errc::malformed);
}

TEST(auth_totp, secrets_are_160_bits_from_the_random_source) {
    seeded_random_source a(1), b(1), c(2);
    auto s1 = totp::generate_secret(a);
    auto s2 = totp::generate_secret(b);
    auto s3 = totp::generate_secret(c);
    EXPECT_EQ(s1.size(), 20u);
    EXPECT_TRUE(constant_time_equal(s1.span(), s2.span()));
    EXPECT_FALSE(constant_time_equal(s1.span(), s3.span()));
}

TEST(auth_totp, rejects_bad_parameters) {
    EXPECT_THROW(totp({totp_algorithm::sha1, 5, seconds(30), 1}), std::invalid_argument);
    EXPECT_THROW(totp({totp_algorithm::sha1, 9, seconds(30), 1}), std::invalid_argument);
    EXPECT_THROW(totp({totp_algorithm::sha1, 6, seconds(0), 1}), std::invalid_argument);
}

TEST(auth_totp_enrollment, otpauth_uri_is_percent_encoded) {
    auto secret = ascii("12345678901234567890");
    auto uri = otpauth_uri("printgate print.example.com", "jane doe:x@y", secret);
    EXPECT_EQ(uri,
              "otpauth://totp/printgate%20print.example.com:jane%20doe%3Ax%40y?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
              "&issuer=printgate%20print.example.com&algorithm=SHA1&digits=6&period=30");
    EXPECT_EQ(percent_encode("a-b_c.d~e/é"), "a-b_c.d~e%2F%C3%A9");
}

TEST(auth_totp_enrollment, grouped_secret_reads_back) {
    auto secret = ascii("12345678901234567890");
    auto grouped = grouped_secret(secret);
    EXPECT_EQ(grouped, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
    EXPECT_EQ(base32_decode(grouped).value(), secret);
}

TEST(auth_totp_enrollment, qr_svg_is_a_square_svg) {
    auto svg = qr_svg("otpauth://totp/printgate:jane?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 4);
    ASSERT_TRUE(svg.ok()) << svg.message();
    EXPECT_EQ(svg->rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
    EXPECT_NE(svg->find("</svg>"), std::string::npos);
    // Three finder patterns at least: there are many dark modules.
    std::size_t modules = 0;
    for (auto pos = svg->find("h1v1h-1z"); pos != std::string::npos; pos = svg->find("h1v1h-1z", pos + 1)) ++modules;
    EXPECT_GT(modules, 3u * 33u);
    // The viewBox is the symbol plus a four-module quiet zone on each side: 4 * v + 17 + 8.
    auto vb = svg->find("viewBox=\"0 0 ");
    ASSERT_NE(vb, std::string::npos);
    int size = std::stoi(svg->substr(vb + 13));
    EXPECT_EQ((size - 8 - 17) % 4, 0);
    EXPECT_NE(qr_svg("other text").value(), svg.value());
}

TEST(auth_totp_enrollment, qr_svg_refuses_too_much_text) {
    EXPECT_EQ(test::code_of(qr_svg(std::string(4000, 'x'))), errc::too_large);
    EXPECT_EQ(test::code_of(qr_svg("x", 0)), errc::malformed);
}

}  // namespace
}  // namespace printgate::auth
