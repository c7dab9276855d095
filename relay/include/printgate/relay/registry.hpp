#pragma once
// The relay's device registry: one SQLite file (WAL, 0600) under the state directory, shared
// by the running relay and the admin CLI (`printgate-relay device ...`, another process).
// It holds devices, the certificates issued to them (serial, expiry), pairing codes (only a
// SHA-256 hash of the secret, with attempts and expiry) and revocations. Every time comes in
// as an argument, so expiry rules are tested without waiting.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "printgate/tunnel/identity.hpp"
#include "printgate/tunnel/identity_result.hpp"

namespace printgate::relay {

namespace detail {
class connection;
}

using tunnel::identity_error;
using tunnel::identity_result;
using tunnel::wall_time;

inline constexpr std::chrono::minutes pairing_code_lifetime{10};
inline constexpr int pairing_code_attempts = 5;

struct device_record {
    std::string id;    // random, named in the certificate's URI SAN; never reused
    std::string name;  // DNS label, unique among devices that are not revoked
    wall_time created_at{};
    std::optional<wall_time> revoked_at;
    std::optional<wall_time> certificate_expires;  // the latest certificate's notAfter
};

struct new_pairing_code {
    std::string id;      // 16 hex digits, finds the row
    std::string secret;  // 32 hex digits (128 bits), shown once, stored only as a hash
    wall_time expires_at{};
};

// Why a pairing attempt failed; each has a plain message too.
enum class pairing_refusal { unknown_code, wrong_secret, expired, used, exhausted, name_taken, signing, storage };

struct pairing_failure {
    pairing_refusal reason;
    std::string message;
};

struct issued_certificate {
    std::string serial;
    wall_time not_after{};
    std::string pem;
};

// Device names are DNS labels: 1-63 of [a-z0-9-], not starting or ending with '-'.
bool valid_device_name(std::string_view name);

class registry {
public:
    static identity_result<std::unique_ptr<registry>> open(const std::filesystem::path& file);
    ~registry();
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    // A fresh single-use code for NAME (an earlier unused code for NAME is replaced).
    identity_result<new_pairing_code> create_pairing_code(std::string_view name, wall_time now);

    // Checks the code; a wrong secret uses up one attempt. On success `sign(device_id)` issues
    // the certificate; the device, its certificate and the spent code are stored together.
    // If `sign` fails nothing changes and the code stays usable.
    using signer = std::function<identity_result<issued_certificate>(const std::string& device_id)>;
    struct paired {
        device_record device;
        issued_certificate certificate;
    };
    std::variant<paired, pairing_failure> redeem_pairing_code(std::string_view code_id, std::string_view secret,
                                                              wall_time now, const signer& sign);

    // A renewed certificate for a device (renewal over the control stream).
    identity_result<void> record_certificate(std::string_view device_id, std::string_view serial,
                                             wall_time not_after, wall_time now);

    // The TLS handshake's question: is this serial ours, for this device, not revoked, not expired?
    bool admits(std::string_view device_id, std::string_view serial, wall_time now);

    std::vector<device_record> devices(bool include_revoked = false);
    std::optional<device_record> find_by_name(std::string_view name);
    std::optional<device_record> find_by_id(std::string_view id);

    // Revokes the live device called NAME for good; bumps the revocation generation.
    identity_result<device_record> revoke(std::string_view name, wall_time now);
    // Grows by one with every revocation (read by the running relay to notice the CLI's).
    std::int64_t revocation_generation();

private:
    explicit registry(std::unique_ptr<detail::connection> db);

    std::mutex mutex_;
    std::unique_ptr<detail::connection> db_;
};

}  // namespace printgate::relay
