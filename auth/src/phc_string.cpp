#include "printgate/auth/phc_string.hpp"

#include <charconv>

#include "base64.hpp"

namespace printgate::auth {
namespace {

error malformed(std::string what) { return error{errc::malformed, "password hash: " + std::move(what)}; }

// Splits off the text up to the next '$' (or the end) and consumes the '$'.
std::string_view next_field(std::string_view& rest) {
    auto pos = rest.find('$');
    std::string_view field = rest.substr(0, pos);
    rest = pos == std::string_view::npos ? std::string_view{} : rest.substr(pos + 1);
    return field;
}

// "name=decimal" with no sign, no leading zeros (one spelling per value), no overflow.
bool parse_param(std::string_view field, std::string_view name, std::uint32_t& out) {
    if (field.size() <= name.size() + 1 || field.substr(0, name.size()) != name || field[name.size()] != '=')
        return false;
    std::string_view digits = field.substr(name.size() + 1);
    if (digits.size() > 10 || (digits.size() > 1 && digits[0] == '0')) return false;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc{} && ptr == digits.data() + digits.size();
}

}  // namespace

result<phc_string> phc_string::parse(std::string_view text) {
    if (text.size() > max_length) return error{errc::too_large, "password hash: longer than 512 characters"};
    if (text.empty() || text[0] != '$') return malformed("does not start with '$'");
    std::string_view rest = text.substr(1);
    if (next_field(rest) != "argon2id") return malformed("not an argon2id hash");

    phc_string out;
    std::string_view version = next_field(rest);
    if (!parse_param(version, "v", out.version) || out.version != 0x13)
        return malformed("unsupported Argon2 version (only v=19)");

    std::string_view params = next_field(rest);
    auto c1 = params.find(',');
    auto c2 = c1 == std::string_view::npos ? c1 : params.find(',', c1 + 1);
    if (c2 == std::string_view::npos || params.find(',', c2 + 1) != std::string_view::npos)
        return malformed("parameters must be m=..,t=..,p=..");
    if (!parse_param(params.substr(0, c1), "m", out.memory_kib) ||
        !parse_param(params.substr(c1 + 1, c2 - c1 - 1), "t", out.iterations) ||
        !parse_param(params.substr(c2 + 1), "p", out.parallelism))
        return malformed("parameters must be m=..,t=..,p=..");
    if (out.parallelism < 1 || out.parallelism > max_parallelism) return malformed("parallelism out of range");
    if (out.iterations < 1 || out.iterations > max_iterations) return malformed("iterations out of range");
    // Argon2 needs at least 8 KiB per lane.
    if (out.memory_kib < 8 * out.parallelism || out.memory_kib > max_memory_kib)
        return malformed("memory out of range");

    std::string_view salt = next_field(rest);
    if (rest.empty()) return malformed("missing salt or hash");
    std::string_view hash = rest;
    if (hash.find('$') != std::string_view::npos) return malformed("too many fields");

    auto salt_bytes = detail::base64_decode(salt);
    if (!salt_bytes || salt_bytes->size() < min_salt || salt_bytes->size() > max_salt)
        return malformed("bad salt");
    auto hash_bytes = detail::base64_decode(hash);
    if (!hash_bytes || hash_bytes->size() < min_hash || hash_bytes->size() > max_hash)
        return malformed("bad hash");
    out.salt = std::move(*salt_bytes);
    out.hash = std::move(*hash_bytes);
    return out;
}

std::string phc_string::to_string() const {
    return "$argon2id$v=" + std::to_string(version) + "$m=" + std::to_string(memory_kib) +
           ",t=" + std::to_string(iterations) + ",p=" + std::to_string(parallelism) + "$" +
           detail::base64_encode(salt) + "$" + detail::base64_encode(hash);
}

}  // namespace printgate::auth
