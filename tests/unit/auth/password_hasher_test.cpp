#include "printgate/auth/password_hasher.hpp"

#include <argon2.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "error_code.hpp"
#include "printgate/auth/phc_string.hpp"

namespace printgate::auth {
namespace {

// Argon2id with 64 KiB and one pass: the same code path, milliseconds instead of seconds.
argon2_params fast_argon2() { return argon2_params{64, 1, 1, 16, 32}; }

TEST(auth_password_hasher, hash_and_verify) {
    seeded_random_source random(1);
    password_hasher h(fast_argon2(), {}, random);
    auto phc = h.hash("correct zebra uplift saddle");
    ASSERT_TRUE(phc.ok()) << phc.message();
    EXPECT_EQ(phc->rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << phc.value();
    EXPECT_EQ(h.verify(phc.value(), "correct zebra uplift saddle").value(), password_match::yes);
    EXPECT_EQ(h.verify(phc.value(), "correct zebra uplift saddlf").value(), password_match::no);
    EXPECT_EQ(h.verify(phc.value(), "").value(), password_match::no);
    // A fresh salt each time.
    EXPECT_NE(h.hash("correct zebra uplift saddle").value(), phc.value());
}

TEST(auth_password_hasher, never_truncates) {
    seeded_random_source random(2);
    password_hasher h(fast_argon2(), {}, random);
    std::string long_pw(1000, 'x');
    auto phc = h.hash(long_pw).value();
    EXPECT_EQ(h.verify(phc, long_pw + "y").value(), password_match::no);
    EXPECT_EQ(h.verify(phc, long_pw.substr(0, 999)).value(), password_match::no);
    EXPECT_EQ(h.verify(phc, long_pw).value(), password_match::yes);
}

TEST(auth_password_hasher, interoperates_with_libargon2_encoding) {
    seeded_random_source random(3);
    password_hasher h(fast_argon2(), {}, random);
    auto phc = h.hash("pässwörd with ünïcode").value();
    // The reference library reads our string...
    EXPECT_EQ(argon2id_verify(phc.c_str(), "pässwörd with ünïcode", std::strlen("pässwörd with ünïcode")), ARGON2_OK);
    // ... and we read its.
    char encoded[256];
    const char salt[] = "somesaltsomesalt";
    ASSERT_EQ(argon2id_hash_encoded(2, 128, 1, "hunter2hunter2", 14, salt, 16, 32, encoded, sizeof encoded), ARGON2_OK);
    EXPECT_EQ(h.verify(encoded, "hunter2hunter2").value(), password_match::yes);
    EXPECT_EQ(h.verify(encoded, "hunter2hunter3").value(), password_match::no);
}

TEST(auth_password_hasher, needs_rehash_when_parameters_change) {
    seeded_random_source random(4);
    password_hasher old_h(fast_argon2(), {}, random);
    auto phc = old_h.hash("correct zebra uplift saddle").value();
    EXPECT_FALSE(old_h.needs_rehash(phc));
    auto more_memory = fast_argon2();
    more_memory.memory_kib = 128;
    password_hasher new_h(more_memory, {}, random);
    EXPECT_TRUE(new_h.needs_rehash(phc));
    // The old hash still verifies with its own parameters.
    EXPECT_EQ(new_h.verify(phc, "correct zebra uplift saddle").value(), password_match::yes);
    auto more_passes = fast_argon2();
    more_passes.iterations = 2;
    EXPECT_TRUE(password_hasher(more_passes, {}, random).needs_rehash(phc));
    EXPECT_TRUE(new_h.needs_rehash("garbage"));
}

TEST(auth_password_hasher, defaults_are_64_mib_three_passes) {
    argon2_params p;
    EXPECT_EQ(p.memory_kib, 65536u);
    EXPECT_EQ(p.iterations, 3u);
    EXPECT_EQ(p.parallelism, 1u);
    EXPECT_THROW(password_hasher({4, 1, 1, 16, 32}, {}), std::invalid_argument);
}

TEST(auth_password_hasher, damaged_hash_is_an_error_not_a_match) {
    seeded_random_source random(5);
    password_hasher h(fast_argon2(), {}, random);
    EXPECT_EQ(test::code_of(h.verify("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", "x")), errc::malformed);
    EXPECT_EQ(test::code_of(h.verify("", "x")), errc::malformed);
}

TEST(auth_password_hasher, dummy_verify_does_the_same_work_and_never_matches) {
    seeded_random_source random(6);
    password_hasher h(fast_argon2(), {}, random);
    EXPECT_EQ(h.hashes_computed(), 0u);
    EXPECT_EQ(h.verify_dummy("anything at all").value(), password_match::no);
    EXPECT_EQ(h.verify_dummy("").value(), password_match::no);
    EXPECT_EQ(h.hashes_computed(), 2u);  // real Argon2 runs, not a shortcut
}

TEST(auth_phc_string, parses_and_round_trips) {
    const std::string text = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
    auto p = phc_string::parse(text);
    ASSERT_TRUE(p.ok()) << p.message();
    EXPECT_EQ(p->memory_kib, 65536u);
    EXPECT_EQ(p->iterations, 3u);
    EXPECT_EQ(p->parallelism, 1u);
    EXPECT_EQ(std::string(p->salt.begin(), p->salt.end()), "saltsaltsalt");
    EXPECT_EQ(p->to_string(), text);
}

TEST(auth_phc_string, rejects_what_it_should) {
    const char* bad[] = {
        "",
        "argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2d$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$t=1,m=64,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=064,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=-64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=4,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=8388608,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1,p=0$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaA",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA==",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA$",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0",
        "$argon2id$v=19$m=64,t=1,p=1$c2Fs*HNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
    };
    for (const char* s : bad) EXPECT_FALSE(phc_string::parse(s).ok()) << s;
    EXPECT_EQ(test::code_of(phc_string::parse(std::string(600, '$'))), errc::too_large);
}

TEST(auth_hash_slots, bounded_queue_rejects_beyond_the_limit) {
    hash_slots slots(1, 2);
    auto first = slots.acquire();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(slots.running(), 1u);

    std::atomic<int> done{0};
    std::vector<std::thread> waiters;
    for (int i = 0; i < 2; ++i)
        waiters.emplace_back([&] {
            auto p = slots.acquire();
            EXPECT_TRUE(p.has_value());
            ++done;
        });
    // Wait (without sleeping) until both are queued.
    while (slots.waiting() < 2) std::this_thread::yield();

    // Running 1 and waiting 2: the fourth is told "no" at once.
    EXPECT_FALSE(slots.acquire().has_value());
    EXPECT_FALSE(slots.try_acquire().has_value());
    EXPECT_EQ(slots.rejected(), 2u);
    EXPECT_EQ(done.load(), 0);

    first.reset();
    for (auto& t : waiters) t.join();
    EXPECT_EQ(done.load(), 2);
    EXPECT_EQ(slots.running(), 0u);
    EXPECT_EQ(slots.waiting(), 0u);
    EXPECT_TRUE(slots.try_acquire().has_value());
}

TEST(auth_hash_slots, zero_queue_means_no_waiting) {
    hash_slots slots(2, 0);
    auto a = slots.acquire();
    auto b = slots.acquire();
    EXPECT_TRUE(a && b);
    EXPECT_FALSE(slots.acquire().has_value());
    a.reset();
    EXPECT_TRUE(slots.acquire().has_value());
}

TEST(auth_password_hasher, busy_when_the_queue_is_full) {
    seeded_random_source random(7);
    password_hasher h(fast_argon2(), {1, 0}, random);
    auto phc = h.hash("correct zebra uplift saddle").value();
    auto held = h.slots().acquire();  // a hash in progress
    ASSERT_TRUE(held.has_value());
    auto r = h.verify(phc, "correct zebra uplift saddle");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(test::code_of(r), errc::busy);
    EXPECT_NE(r.message().find("busy"), std::string::npos);
    EXPECT_EQ(test::code_of(h.hash("x")), errc::busy);
    EXPECT_EQ(test::code_of(h.verify_dummy("x")), errc::busy);
    held.reset();
    EXPECT_EQ(h.verify(phc, "correct zebra uplift saddle").value(), password_match::yes);
}

TEST(auth_password_hasher, concurrent_flood_stays_within_the_cap) {
    seeded_random_source random(8);
    password_hasher h(fast_argon2(), {2, 3}, random);
    auto phc = h.hash("correct zebra uplift saddle").value();
    std::atomic<int> ok{0}, busy{0};
    std::vector<std::thread> flood;
    for (int i = 0; i < 16; ++i)
        flood.emplace_back([&] {
            auto r = h.verify(phc, "wrong password guess");
            if (r.ok()) ++ok;
            else if (r.code() == errc::busy) ++busy;
        });
    for (auto& t : flood) t.join();
    EXPECT_EQ(ok + busy, 16);
    EXPECT_GE(ok.load(), 1);
    EXPECT_EQ(h.slots().running(), 0u);
    EXPECT_EQ(static_cast<int>(h.slots().rejected()), busy.load());
}

}  // namespace
}  // namespace printgate::auth
