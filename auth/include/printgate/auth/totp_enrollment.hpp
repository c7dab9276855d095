#pragma once
// What the enrollment page shows: an otpauth:// URI (Google Authenticator's "Key Uri
// Format", understood by every authenticator app), the same as a QR code in SVG, and the
// secret as grouped base32 for typing in by hand.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "printgate/auth/result.hpp"
#include "printgate/auth/totp.hpp"

namespace printgate::auth {

// otpauth://totp/<issuer>:<account>?secret=..&issuer=..&algorithm=..&digits=..&period=..
// with issuer and account percent-encoded (a ':' inside either is encoded too).
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::span<const std::uint8_t> secret,
                        const totp_params& params = {});

// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string percent_encode(std::string_view text);

// A standalone SVG: dark modules as one path, a four-module quiet zone, error correction
// level M. Too much text for a QR code is an error.
result<std::string> qr_svg(std::string_view text, unsigned module_pixels = 4);

// The secret in base32, in groups of four for reading aloud or typing ("ABCD EFGH ...").
std::string grouped_secret(std::span<const std::uint8_t> secret);

}  // namespace printgate::auth
