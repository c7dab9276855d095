#pragma once
// --demo only: a certificate for each device host, minted on first use.
//
// The demo's zone is `localhost`, so a browser opens `printer1.localhost:PORT`. A wildcard
// directly under a top-level name (`*.localhost`) is refused by OpenSSL's host check and by
// browsers, so the development certificate cannot cover every device by itself. Instead,
// when a TLS client asks (SNI) for `LABEL.ZONE`, the relay's CA signs a one-year certificate
// for exactly that name, and the handshake uses it; later handshakes reuse it. At most
// `max_names` are kept, so SNI from a client cannot grow memory without bound.
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <openssl/types.h>

namespace printgate::tunnel {
class identity_authority;
}

namespace printgate::relay {

class demo_certificates {
public:
    demo_certificates(const tunnel::identity_authority& ca, std::string zone, std::size_t max_names = 256);
    ~demo_certificates();
    demo_certificates(const demo_certificates&) = delete;
    demo_certificates& operator=(const demo_certificates&) = delete;

    // Makes `ctx` mint on SNI. This object must outlive `ctx`'s handshakes.
    void install(SSL_CTX* ctx);

    // The single-label host under the zone that `server_name` asks for, or empty when the
    // name is the apex, another zone, or not a valid DNS label ("Printer1.localhost" ->
    // "printer1.localhost").
    static std::string device_host(std::string_view server_name, std::string_view zone);

    [[nodiscard]] std::size_t minted() const;

private:
    struct leaf;
    static int on_certificate(SSL* ssl, void* self);
    const leaf* find_or_mint(const std::string& host);

    const tunnel::identity_authority& ca_;
    std::string zone_;
    std::size_t max_names_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<leaf>> leaves_;
};

}  // namespace printgate::relay
