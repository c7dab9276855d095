#include "printgate/auth/client_address.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace printgate::auth {

std::string client_address_key(std::string_view address) {
    std::string_view a = address;
    if (a.size() >= 2 && a.front() == '[' && a.back() == ']') a = a.substr(1, a.size() - 2);
    if (auto pct = a.find('%'); pct != std::string_view::npos) a = a.substr(0, pct);
    if (a.size() > 64) return "?" + std::string(address.substr(0, 64));
    std::string text(a);

    std::array<std::uint8_t, 4> v4{};
    if (::inet_pton(AF_INET, text.c_str(), v4.data()) == 1) {
        char buf[INET_ADDRSTRLEN];
        ::inet_ntop(AF_INET, v4.data(), buf, sizeof buf);
        return buf;
    }
    std::array<std::uint8_t, 16> v6{};
    if (::inet_pton(AF_INET6, text.c_str(), v6.data()) == 1) {
        static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (std::memcmp(v6.data(), mapped, sizeof mapped) == 0) {
            char buf[INET_ADDRSTRLEN];
            ::inet_ntop(AF_INET, v6.data() + 12, buf, sizeof buf);
            return buf;
        }
        std::fill(v6.begin() + 8, v6.end(), std::uint8_t{0});
        char buf[INET6_ADDRSTRLEN];
        ::inet_ntop(AF_INET6, v6.data(), buf, sizeof buf);
        return std::string(buf) + "/64";
    }
    return "?" + std::string(address.substr(0, 64));
}

}  // namespace printgate::auth
