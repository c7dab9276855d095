#include "printgate/auth/base32.hpp"

namespace printgate::auth {
namespace {

constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int value_of(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '2' && c <= '7') return c - '2' + 26;
    return -1;
}

}  // namespace

std::string base32_encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() * 8 + 4) / 5);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::uint8_t b : bytes) {
        buffer = (buffer << 8) | b;
        bits += 8;
        while (bits >= 5) {
            out.push_back(alphabet[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0) out.push_back(alphabet[(buffer << (5 - bits)) & 31]);
    return out;
}

result<std::vector<std::uint8_t>> base32_decode(std::string_view text, std::size_t max_chars) {
    if (text.size() > max_chars) return error{errc::too_large, "base32 text is too long"};
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    std::vector<std::uint8_t> out;
    out.reserve(text.size() * 5 / 8);
    std::uint32_t buffer = 0;
    int bits = 0;
    std::size_t symbols = 0;
    for (char c : text) {
        if (c == ' ' || c == '-') continue;
        int v = value_of(c);
        if (v < 0) return error{errc::malformed, "base32 text contains a character outside A-Z and 2-7"};
        buffer = ((buffer << 5) | static_cast<std::uint32_t>(v)) & 0xfff;
        bits += 5;
        ++symbols;
        if (bits >= 8) {
            out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
            bits -= 8;
        }
    }
    // Lengths 1, 3 and 6 (mod 8) cannot come from whole bytes; non-zero leftover bits mean
    // two different texts would decode to the same bytes.
    std::size_t rem = symbols % 8;
    if (rem == 1 || rem == 3 || rem == 6) return error{errc::malformed, "base32 text has an impossible length"};
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0)
        return error{errc::malformed, "base32 text has non-zero trailing bits"};
    return out;
}

}  // namespace printgate::auth
