#pragma once
// HTTPS on the LAN listener. The certificate is the owner's (http.tls_cert / http.tls_key, PEM
// files: a chain and its key) or, when none is configured, one made on the first start and kept
// in STATE/lan-tls.pem and STATE/lan-tls.key (0600): ECDSA P-256, naming this host, "localhost"
// and the listen address. Nobody vouches for the made one, so a browser warns; the user checks
// the SHA-256 fingerprint the edge logs at every start against the one the browser shows.
#include "printgate/edge/edge_config.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string>

namespace printgate::edge {

struct lan_tls {
    std::shared_ptr<boost::asio::ssl::context> context;  // server side, TLS 1.2 or newer
    std::string fingerprint;  // SHA-256 of the leaf certificate, "AB:CD:...", as browsers show it
    std::string origin;       // where the certificate came from, for the log
};

// nullopt with `why` when a configured file cannot be read or does not fit its key, or the
// certificate cannot be made or stored.
std::optional<lan_tls> load_lan_tls(const edge_config& config, std::string& why);

// "ab12..." (64 hex digits) as "AB:12:...".
std::string colon_fingerprint(const std::string& hex);

}  // namespace printgate::edge
