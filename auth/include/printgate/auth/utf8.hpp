#pragma once
// Strict UTF-8 (RFC 3629): password length is counted in code points, so the bytes must
// first be proven to be text.
#include <cstddef>
#include <optional>
#include <string_view>

namespace printgate::auth {

// The number of code points, or nothing for invalid UTF-8: overlong forms, surrogates
// (U+D800..U+DFFF), values above U+10FFFF, truncated or stray continuation bytes.
std::optional<std::size_t> utf8_code_points(std::string_view text);

// The longest prefix of at most max_bytes that does not cut a character in half (for
// display strings such as a user agent, which are shortened, never secrets).
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace printgate::auth
