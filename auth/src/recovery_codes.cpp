#include "printgate/auth/recovery_codes.hpp"

#include <sodium.h>

#include "printgate/auth/base32.hpp"
#include "printgate/auth/secret_bytes.hpp"
#include "store_call.hpp"

namespace printgate::auth {

recovery_codes::recovery_codes(database& db, const secret_box_key& key, const wall_clock& clock, random_source& random)
    : db_(db), hash_key_(key.derive(1, "recovery")), clock_(clock), random_(random) {}

std::vector<std::uint8_t> recovery_codes::keyed_hash(std::string_view canonical) const {
    std::vector<std::uint8_t> out(crypto_generichash_BYTES);
    crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(canonical.data()),
                       canonical.size(), hash_key_.data(), hash_key_.size());
    return out;
}

result<std::string> recovery_codes::normalize(std::string_view input) {
    if (input.size() > max_input_length) return error{errc::too_large, "the recovery code is too long"};
    std::string out;
    for (char c : input) {
        if (c == ' ' || c == '-' || c == '\t') continue;
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (c == '0') c = 'O';
        if (c == '1') c = 'I';
        if (c == '8') c = 'B';
        bool base32 = (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7');
        if (!base32) return error{errc::malformed, "a recovery code has only letters and the digits 2 to 7"};
        out.push_back(c);
    }
    if (out.size() != code_chars)
        return error{errc::malformed, "a recovery code has " + std::to_string(code_chars) + " characters"};
    return out;
}

result<std::vector<std::string>> recovery_codes::regenerate(std::int64_t user_id) {
    std::vector<std::string> codes;
    std::vector<std::vector<std::uint8_t>> hashes;
    for (std::size_t i = 0; i < code_count; ++i) {
        // 7 bytes give 12 base32 characters; the first 10 carry 50 random bits.
        secret_bytes raw(7);
        random_.fill(raw.span());
        std::string encoded = base32_encode(raw.span());
        std::string canonical = encoded.substr(0, code_chars);
        wipe(encoded);
        hashes.push_back(keyed_hash(canonical));
        codes.push_back(canonical.substr(0, 5) + "-" + canonical.substr(5));
        wipe(canonical);
    }
    auto stored = detail::store_call(db_, [&]() -> result<void> {
        auto& sql = db_.sql();
        bool found = false;
        sql.transaction([&] {
            auto exists = sql.prepare("SELECT 1 FROM users WHERE id = ?1");
            found = exists.bind(1, user_id).step();
            if (!found) return;
            auto del = sql.prepare("DELETE FROM recovery_codes WHERE user_id = ?1");
            del.bind(1, user_id).run();
            const auto now = to_unix_micros(clock_.now());
            for (const auto& h : hashes) {
                auto ins = sql.prepare("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)");
                ins.bind(1, user_id).bind(2, std::span<const std::uint8_t>(h)).bind(3, now).run();
            }
        });
        if (!found) return error{errc::not_found, "no such user"};
        return {};
    });
    if (!stored) {
        for (auto& c : codes) wipe(c);
        return stored.err();
    }
    return codes;
}

result<void> recovery_codes::consume(std::int64_t user_id, std::string_view input) {
    auto canonical = normalize(input);
    if (!canonical) return canonical.err();
    const auto presented = keyed_hash(canonical.value());
    wipe(canonical.value());
    return detail::store_call(db_, [&]() -> result<void> {
        auto& sql = db_.sql();
        bool used = false;
        sql.transaction([&] {
            // Every unused code of the user is compared in constant time, rather than
            // looked up by value, so timing says nothing about near misses.
            auto st = sql.prepare("SELECT id, code_hash FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL");
            st.bind(1, user_id);
            std::optional<std::int64_t> match;
            while (st.step()) {
                auto stored = st.blob(1);
                if (constant_time_equal(stored, presented) && !match) match = st.int64(0);
            }
            if (!match) return;
            auto upd = sql.prepare("UPDATE recovery_codes SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL");
            upd.bind(1, *match).bind(2, to_unix_micros(clock_.now())).run();
            used = sql.changes() == 1;
        });
        if (!used) return error{errc::wrong_secret, "that recovery code is not valid or was already used"};
        return {};
    });
}

result<std::int64_t> recovery_codes::remaining(std::int64_t user_id) {
    return detail::store_call(db_, [&]() -> result<std::int64_t> {
        auto st = db_.sql().prepare("SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL");
        st.bind(1, user_id).step();
        return st.int64(0);
    });
}

}  // namespace printgate::auth
