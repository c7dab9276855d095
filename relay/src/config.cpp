#include "printgate/relay/config.hpp"

#include <charconv>
#include <set>

#include <toml++/toml.h>

#include "printgate/tunnel/identity_files.hpp"

namespace printgate::relay {
namespace {

using tunnel::identity_error;
using tunnel::identity_result;

identity_result<void> check_keys(const toml::table& table, const std::set<std::string_view>& known,
                                 std::string_view prefix) {
    for (const auto& [key, value] : table) {
        (void)value;
        if (!known.contains(key.str())) return identity_error{"unknown key " + std::string(prefix) + std::string(key.str())};
    }
    return {};
}

identity_result<void> read_string(const toml::table& table, std::string_view key, std::string_view full,
                                  std::string& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return {};
    auto value = node->value<std::string>();
    if (!value) return identity_error{std::string(full) + " must be a string"};
    out = *value;
    return {};
}

identity_result<void> read_address(const toml::table& table, std::string_view key, std::string_view full,
                                   listen_address& out) {
    std::string text;
    if (auto ok = read_string(table, key, full, text); !ok) return ok;
    if (text.empty()) return {};
    auto parsed = parse_listen_address(text);
    if (!parsed) return identity_error{std::string(full) + ": " + parsed.message()};
    out = *parsed;
    return {};
}

}  // namespace

identity_result<listen_address> parse_listen_address(std::string_view text) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return identity_error{"expected host:port, got '" + std::string(text) + "'"};
    auto host = text.substr(0, colon);
    auto port_text = text.substr(colon + 1);
    if (host.front() == '[') {
        if (host.back() != ']' || host.size() < 3) return identity_error{"bad IPv6 address in '" + std::string(text) + "'"};
        host = host.substr(1, host.size() - 2);
    }
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535 || port_text.empty())
        return identity_error{"bad port in '" + std::string(text) + "'"};
    return listen_address{std::string(host), static_cast<std::uint16_t>(port)};
}

std::string to_string(const listen_address& a) {
    bool v6 = a.host.find(':') != std::string::npos;
    return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

identity_result<relay_config> parse_config(std::string_view text) {
    toml::table root;
    try {
        root = toml::parse(text);
    } catch (const toml::parse_error& err) {
        return identity_error{"relay.toml line " + std::to_string(err.source().begin.line) + ": " +
                              std::string(err.description())};
    }
    relay_config c;
    if (auto ok = check_keys(root, {"state_dir", "zone", "log_level", "tunnel", "https"}, ""); !ok)
        return identity_error{ok.message()};
    std::string state_dir = c.state_dir.string();
    if (auto ok = read_string(root, "state_dir", "state_dir", state_dir); !ok) return identity_error{ok.message()};
    c.state_dir = state_dir;
    if (auto ok = read_string(root, "zone", "zone", c.zone); !ok) return identity_error{ok.message()};
    if (auto ok = read_string(root, "log_level", "log_level", c.log_level); !ok) return identity_error{ok.message()};
    if (const toml::node* t = root.get("tunnel")) {
        const toml::table* tunnel = t->as_table();
        if (tunnel == nullptr) return identity_error{"[tunnel] must be a table"};
        if (auto ok = check_keys(*tunnel, {"listen", "public_address"}, "tunnel."); !ok) return identity_error{ok.message()};
        if (auto ok = read_address(*tunnel, "listen", "tunnel.listen", c.tunnel_listen); !ok)
            return identity_error{ok.message()};
        if (auto ok = read_address(*tunnel, "public_address", "tunnel.public_address", c.tunnel_public); !ok)
            return identity_error{ok.message()};
    }
    if (const toml::node* h = root.get("https")) {
        const toml::table* https = h->as_table();
        if (https == nullptr) return identity_error{"[https] must be a table"};
        if (auto ok = check_keys(*https, {"listen", "certificate", "key"}, "https."); !ok)
            return identity_error{ok.message()};
        if (auto ok = read_address(*https, "listen", "https.listen", c.https_listen); !ok)
            return identity_error{ok.message()};
        std::string cert, key;
        if (auto ok = read_string(*https, "certificate", "https.certificate", cert); !ok)
            return identity_error{ok.message()};
        if (auto ok = read_string(*https, "key", "https.key", key); !ok) return identity_error{ok.message()};
        if (cert.empty() != key.empty()) return identity_error{"https.certificate and https.key go together"};
        c.https_certificate = cert;
        c.https_key = key;
    }
    if (c.zone.empty()) return identity_error{"zone must not be empty"};
    return c;
}

identity_result<relay_config> load_config(const std::filesystem::path& file) {
    auto text = tunnel::read_small_file(file, 1 << 20);
    if (!text) return identity_error{text.message()};
    auto c = parse_config(*text);
    if (!c) return identity_error{file.string() + ": " + c.message()};
    return c;
}

relay_config demo_config() {
    relay_config c;
    c.zone = "localhost";
    c.tunnel_listen = {"127.0.0.1", 0};
    c.https_listen = {"127.0.0.1", 0};
    c.demo = true;
    return c;
}

}  // namespace printgate::relay
