#include "printgate/auth/password_hasher.hpp"

#include <argon2.h>

#include <stdexcept>

#include "printgate/auth/phc_string.hpp"
#include "printgate/auth/secret_bytes.hpp"

namespace printgate::auth {
namespace {

const error busy_error{errc::busy, "the server is busy checking other sign-ins; try again in a moment"};

int argon2id(const phc_string& p, std::string_view password, std::uint8_t* out, std::size_t out_len) {
    return argon2id_hash_raw(p.iterations, p.memory_kib, p.parallelism, password.data(), password.size(),
                             p.salt.data(), p.salt.size(), out, out_len);
}

}  // namespace

password_hasher::password_hasher(argon2_params params, hasher_limits limits, random_source& random)
    : params_(params), random_(random), slots_(limits.max_running, limits.max_waiting) {
    // A hash of a random password nobody knows, made with the current parameters, so a
    // dummy verify costs exactly what a real one costs.
    if (params_.parallelism < 1 || params_.parallelism > phc_string::max_parallelism ||
        params_.iterations < 1 || params_.iterations > phc_string::max_iterations ||
        params_.memory_kib < 8 * params_.parallelism || params_.memory_kib > phc_string::max_memory_kib ||
        params_.salt_bytes < phc_string::min_salt || params_.salt_bytes > phc_string::max_salt ||
        params_.hash_bytes < phc_string::min_hash || params_.hash_bytes > phc_string::max_hash)
        throw std::invalid_argument("argon2 parameters out of range");
    secret_bytes unknowable(32);
    random_.fill(unknowable.span());
    auto dummy = hash_unlimited(std::string_view(reinterpret_cast<const char*>(unknowable.data()), unknowable.size()));
    if (!dummy) throw std::runtime_error(dummy.message());
    dummy_phc_ = std::move(dummy.value());
    computed_ = 0;  // count only the work requests cause
}

result<std::string> password_hasher::hash(std::string_view password) {
    auto permit = slots_.acquire();
    if (!permit) return busy_error;
    return hash_unlimited(password);
}

result<std::string> password_hasher::hash_unlimited(std::string_view password) {
    phc_string p;
    p.memory_kib = params_.memory_kib;
    p.iterations = params_.iterations;
    p.parallelism = params_.parallelism;
    p.salt.resize(params_.salt_bytes);
    random_.fill(p.salt);
    p.hash.resize(params_.hash_bytes);
    ++computed_;
    int rc = argon2id(p, password, p.hash.data(), p.hash.size());
    if (rc != ARGON2_OK) return error{errc::crypto, std::string("argon2id failed: ") + argon2_error_message(rc)};
    return p.to_string();
}

result<password_match> password_hasher::verify(std::string_view phc, std::string_view password) {
    auto parsed = phc_string::parse(phc);
    if (!parsed) return parsed.err();
    auto permit = slots_.acquire();
    if (!permit) return busy_error;
    secret_bytes computed(parsed->hash.size());
    ++computed_;
    int rc = argon2id(*parsed, password, computed.data(), computed.size());
    if (rc != ARGON2_OK) return error{errc::crypto, std::string("argon2id failed: ") + argon2_error_message(rc)};
    return constant_time_equal(computed.span(), parsed->hash) ? password_match::yes : password_match::no;
}

result<password_match> password_hasher::verify_dummy(std::string_view password) {
    auto r = verify(dummy_phc_, password);
    if (!r) return r;
    return password_match::no;
}

bool password_hasher::needs_rehash(std::string_view phc) const {
    auto parsed = phc_string::parse(phc);
    if (!parsed) return true;
    return parsed->memory_kib != params_.memory_kib || parsed->iterations != params_.iterations ||
           parsed->parallelism != params_.parallelism || parsed->salt.size() != params_.salt_bytes ||
           parsed->hash.size() != params_.hash_bytes;
}

}  // namespace printgate::auth
