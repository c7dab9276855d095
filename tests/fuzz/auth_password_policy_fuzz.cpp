// New passwords are untrusted bytes from a form: UTF-8 validation, the blocklist and
// libzxcvbn must cope with anything, and a verdict always comes with a message.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "printgate/auth/password_policy.hpp"

using namespace printgate::auth;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const password_policy policy;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // The first line, if any, is a user name: context words come from users too.
    std::string_view name;
    if (auto nl = text.find('\n'); nl != std::string_view::npos && nl < 64) {
        name = text.substr(0, nl);
        text = text.substr(nl + 1);
    }
    auto v = policy.check(text, {name, "print.example.com"});
    if (v.ok() != v.message.empty()) std::abort();
    if (v.score < 0 || v.score > 4) std::abort();
    return 0;
}
