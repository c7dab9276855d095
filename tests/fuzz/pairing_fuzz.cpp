// Bytes from a pairing client or a relay are untrusted: the pairing code (pasted by a person),
// the pair_request / pair_result lines, control lines, the CSR inside a request, and the
// ALPN list of a ClientHello must all survive anything.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "printgate/tunnel/control.hpp"
#include "printgate/tunnel/identity.hpp"
#include "printgate/tunnel/pairing_code.hpp"
#include "printgate/tunnel/pairing_messages.hpp"
#include "printgate/tunnel/tls.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace printgate::tunnel;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (auto code = parse_pairing_code(text)) {
        // What parses must format back to something that parses to the same code.
        auto again = parse_pairing_code(format_pairing_code(*code));
        if (!again || again->host != code->host || again->port != code->port) __builtin_trap();
    }
    if (auto request = parse_pair_request(text)) (void)csr_from_pem(request->csr_pem);
    (void)parse_pair_response(text);
    (void)parse_control_line(text);
    (void)alpn_list_offers(data, size, alpn_pair);
    return 0;
}
