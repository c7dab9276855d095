#include "printgate/auth/secret_bytes.hpp"

#include <sodium.h>

#include "sodium.hpp"

namespace printgate::auth {

secret_bytes::secret_bytes(std::size_t size) : bytes_(size, 0) {}

secret_bytes::secret_bytes(std::span<const std::uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}

secret_bytes::~secret_bytes() { wipe(); }

secret_bytes::secret_bytes(const secret_bytes& other) : bytes_(other.bytes_) {}

secret_bytes& secret_bytes::operator=(const secret_bytes& other) {
    if (this != &other) {
        wipe();
        bytes_ = other.bytes_;
    }
    return *this;
}

// A moved-from vector hands over its buffer, so no copy of the secret is left behind.
secret_bytes::secret_bytes(secret_bytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
    other.bytes_.clear();
}

secret_bytes& secret_bytes::operator=(secret_bytes&& other) noexcept {
    if (this != &other) {
        wipe();
        bytes_ = std::move(other.bytes_);
        other.bytes_.clear();
    }
    return *this;
}

void secret_bytes::wipe() {
    if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size());
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    detail::ensure_sodium();
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    return constant_time_equal(std::span(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()),
                               std::span(reinterpret_cast<const std::uint8_t*>(b.data()), b.size()));
}

void wipe(std::string& s) {
    if (!s.empty()) sodium_memzero(s.data(), s.size());
    s.clear();
}

}  // namespace printgate::auth
