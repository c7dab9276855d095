#include "printgate/auth/totp_enrollment.hpp"

#include <qrencode.h>

#include <memory>

#include "printgate/auth/base32.hpp"
#include "printgate/auth/secret_bytes.hpp"

namespace printgate::auth {

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
                          u == '.' || u == '_' || u == '~';
        if (unreserved) {
            out.push_back(c);
        } else {
            out.push_back('%');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 15]);
        }
    }
    return out;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::span<const std::uint8_t> secret,
                        const totp_params& params) {
    std::string encoded_secret = base32_encode(secret);
    std::string uri = "otpauth://totp/" + percent_encode(issuer) + ":" + percent_encode(account) +
                      "?secret=" + encoded_secret + "&issuer=" + percent_encode(issuer) +
                      "&algorithm=" + to_string(params.algorithm) + "&digits=" + std::to_string(params.digits) +
                      "&period=" + std::to_string(params.period.count());
    wipe(encoded_secret);
    return uri;
}

result<std::string> qr_svg(std::string_view text, unsigned module_pixels) {
    if (module_pixels < 1 || module_pixels > 64) return error{errc::malformed, "module size out of range"};
    std::string terminated(text);
    // 8-bit mode keeps the text byte for byte; QRcode_encodeString would upper-case it
    // for alphanumeric mode otherwise.
    std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
        QRcode_encodeData(static_cast<int>(terminated.size()), reinterpret_cast<const unsigned char*>(terminated.data()),
                          0, QR_ECLEVEL_M),
        &QRcode_free);
    wipe(terminated);
    if (!code) return error{errc::too_large, "the text does not fit in a QR code"};

    const int quiet = 4;
    const int width = code->width;
    const int total = (width + 2 * quiet) * static_cast<int>(module_pixels);
    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(total) + "\" height=\"" +
                      std::to_string(total) + "\" viewBox=\"0 0 " + std::to_string(width + 2 * quiet) + " " +
                      std::to_string(width + 2 * quiet) + "\" shape-rendering=\"crispEdges\">" +
                      "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path fill=\"#000\" d=\"";
    for (int y = 0; y < width; ++y) {
        for (int x = 0; x < width; ++x) {
            // Bit 0 of each byte is the module's colour (1 = dark); the rest is libqrencode's bookkeeping.
            if (code->data[y * width + x] & 1)
                svg += "M" + std::to_string(x + quiet) + " " + std::to_string(y + quiet) + "h1v1h-1z";
        }
    }
    svg += "\"/></svg>";
    return svg;
}

std::string grouped_secret(std::span<const std::uint8_t> secret) {
    std::string plain = base32_encode(secret);
    std::string out;
    for (std::size_t i = 0; i < plain.size(); ++i) {
        if (i > 0 && i % 4 == 0) out.push_back(' ');
        out.push_back(plain[i]);
    }
    wipe(plain);
    return out;
}

}  // namespace printgate::auth
