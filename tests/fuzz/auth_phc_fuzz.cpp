// PHC strings: parse must never crash, and whatever parses must print back to text that
// parses to the same values (one canonical spelling).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "printgate/auth/phc_string.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = printgate::auth::phc_string::parse(text);
    if (!parsed) return 0;
    auto printed = parsed->to_string();
    if (printed != text) std::abort();  // only canonical text is accepted
    auto again = printgate::auth::phc_string::parse(printed);
    if (!again || again->memory_kib != parsed->memory_kib || again->iterations != parsed->iterations ||
        again->parallelism != parsed->parallelism || again->salt != parsed->salt || again->hash != parsed->hash)
        std::abort();
    return 0;
}
