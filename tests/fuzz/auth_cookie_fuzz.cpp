// Request header values the gate reads before anyone is signed in: Cookie, X-Api-Key, and
// the client address used as a rate-limit key.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "printgate/auth/api_key_store.hpp"
#include "printgate/auth/client_address.hpp"
#include "printgate/auth/cookies.hpp"

using namespace printgate::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);

    for (auto name : {session_cookie_name, device_cookie_name}) {
        auto value = find_cookie(text, name);
        if (value) {
            if (value->size() > cookie_limits{}.max_value_bytes) std::abort();
            for (char c : value.value())
                if (c == ';' || c == ' ' || c == '"' || static_cast<unsigned char>(c) < 0x21) std::abort();
        }
    }

    auto key = api_key_store::parse(text);
    if (key && (key->prefix.size() != 8 || key->secret.size() != 43 || size != api_key_store::key_length)) std::abort();
    (void)api_scopes::parse(text);

    auto addr = client_address_key(text);
    if (addr.size() > 65) std::abort();
    return 0;
}
