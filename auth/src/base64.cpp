#include "base64.hpp"

#include <sodium.h>

#include "sodium.hpp"

namespace printgate::auth::detail {
namespace {

std::string encode(std::span<const std::uint8_t> bytes, int variant) {
    ensure_sodium();
    std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), variant);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

std::optional<std::vector<std::uint8_t>> decode(std::string_view text, int variant) {
    ensure_sodium();
    std::vector<std::uint8_t> out(text.size() * 3 / 4 + 1);
    std::size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end, variant) != 0)
        return std::nullopt;
    if (end != text.data() + text.size()) return std::nullopt;  // trailing garbage
    out.resize(len);
    // Only the canonical spelling is accepted, so one value has one text form.
    if (encode(out, variant) != text) return std::nullopt;
    return out;
}

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> bytes) {
    return encode(bytes, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}
std::string base64url_encode(std::span<const std::uint8_t> bytes) {
    return encode(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
    return decode(text, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text) {
    return decode(text, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

}  // namespace printgate::auth::detail
