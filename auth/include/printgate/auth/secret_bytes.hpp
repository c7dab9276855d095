#pragma once
// Bytes that hold a secret (keys, TOTP secrets, session ids): wiped when they go away,
// compared only in constant time.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::auth {

class secret_bytes {
public:
    secret_bytes() = default;
    explicit secret_bytes(std::size_t size);
    explicit secret_bytes(std::span<const std::uint8_t> bytes);
    ~secret_bytes();
    secret_bytes(const secret_bytes& other);
    secret_bytes& operator=(const secret_bytes& other);
    secret_bytes(secret_bytes&& other) noexcept;
    secret_bytes& operator=(secret_bytes&& other) noexcept;

    std::uint8_t* data() { return bytes_.data(); }
    const std::uint8_t* data() const { return bytes_.data(); }
    std::size_t size() const { return bytes_.size(); }
    bool empty() const { return bytes_.empty(); }
    std::span<std::uint8_t> span() { return bytes_; }
    std::span<const std::uint8_t> span() const { return bytes_; }

private:
    void wipe();
    std::vector<std::uint8_t> bytes_;
};

// Constant time for equal lengths; different lengths are unequal (lengths are not secret).
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
bool constant_time_equal(std::string_view a, std::string_view b);

// Overwrites a string's characters before it is freed (passwords, codes typed by a user).
void wipe(std::string& s);

}  // namespace printgate::auth
