#pragma once
// Base64 without padding through libsodium: the standard alphabet for PHC strings, the
// URL-safe one for session ids, device tokens and API keys (cookie- and header-safe).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::auth::detail {

std::string base64_encode(std::span<const std::uint8_t> bytes);
std::string base64url_encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
std::optional<std::vector<std::uint8_t>> base64url_decode(std::string_view text);

}  // namespace printgate::auth::detail
