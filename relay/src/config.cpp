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

// An integer in [min, max]; the error names the key and the range.
template <typename T>
identity_result<void> read_integer(const toml::table& table, std::string_view key, std::string_view prefix,
                                   std::int64_t min, std::int64_t max, T& out) {
    const toml::node* node = table.get(key);
    if (node == nullptr) return {};
    auto value = node->value_exact<std::int64_t>();
    if (!value || *value < min || *value > max)
        return identity_error{std::string(prefix) + std::string(key) + " must be a whole number from " +
                              std::to_string(min) + " to " + std::to_string(max)};
    out = static_cast<T>(*value);
    return {};
}

// A duration given in `Unit`s (seconds, minutes, hours) as a whole number in [min, max].
template <typename Unit>
identity_result<void> read_duration(const toml::table& table, std::string_view key, std::string_view prefix,
                                    std::int64_t min, std::int64_t max, std::chrono::microseconds& out) {
    std::int64_t count = std::chrono::duration_cast<Unit>(out).count();
    if (auto ok = read_integer(table, key, prefix, min, max, count); !ok) return ok;
    out = Unit(count);
    return {};
}

const toml::table* sub_table(const toml::table& root, std::string_view name, identity_result<void>& status) {
    const toml::node* node = root.get(name);
    if (node == nullptr) return nullptr;
    const toml::table* table = node->as_table();
    if (table == nullptr) status = identity_error{"[" + std::string(name) + "] must be a table"};
    return table;
}

// [login]: Argon2id cost, the hashing pool, and the rate limits that run before any hashing.
identity_result<void> read_login(const toml::table& login, relay_config& c) {
    using std::chrono::hours;
    using std::chrono::seconds;
    const std::string_view p = "login.";
    if (auto ok = check_keys(login,
                             {"argon2_memory_mib", "argon2_iterations", "argon2_parallelism", "hash_workers",
                              "hash_queue", "sign_in_burst", "sign_in_refill_seconds", "second_factor_burst",
                              "second_factor_refill_seconds", "pairing_burst", "pairing_refill_seconds",
                              "free_failures", "first_delay_seconds", "max_delay_seconds", "forget_after_hours"},
                             p);
        !ok)
        return ok;
    std::uint32_t memory_mib = c.argon2.memory_kib / 1024;
    // RFC 9106's floor for Argon2id is far below 8 MiB; below that it is no longer memory-hard
    // in any useful sense, and above 4 GiB no relay this small has the memory.
    if (auto ok = read_integer(login, "argon2_memory_mib", p, 8, 4096, memory_mib); !ok) return ok;
    c.argon2.memory_kib = memory_mib * 1024;
    if (auto ok = read_integer(login, "argon2_iterations", p, 1, 32, c.argon2.iterations); !ok) return ok;
    if (auto ok = read_integer(login, "argon2_parallelism", p, 1, 16, c.argon2.parallelism); !ok) return ok;
    if (auto ok = read_integer(login, "hash_workers", p, 1, 64, c.hashing.max_running); !ok) return ok;
    if (auto ok = read_integer(login, "hash_queue", p, 0, 4096, c.hashing.max_waiting); !ok) return ok;
    struct bucket_keys {
        const char* burst;
        const char* refill;
        auth::token_bucket_config& bucket;
    };
    for (auto& b : {bucket_keys{"sign_in_burst", "sign_in_refill_seconds", c.limits.sign_in},
                    bucket_keys{"second_factor_burst", "second_factor_refill_seconds", c.limits.second_factor},
                    bucket_keys{"pairing_burst", "pairing_refill_seconds", c.limits.pairing}}) {
        if (auto ok = read_integer(login, b.burst, p, 1, 1000, b.bucket.burst); !ok) return ok;
        if (auto ok = read_duration<seconds>(login, b.refill, p, 1, 3600, b.bucket.refill); !ok) return ok;
    }
    if (auto ok = read_integer(login, "free_failures", p, 0, 100, c.limits.free_failures); !ok) return ok;
    if (auto ok = read_duration<seconds>(login, "first_delay_seconds", p, 1, 3600, c.limits.first_delay); !ok)
        return ok;
    if (auto ok = read_duration<seconds>(login, "max_delay_seconds", p, 1, 86400, c.limits.max_delay); !ok)
        return ok;
    if (c.limits.max_delay < c.limits.first_delay)
        return identity_error{"login.max_delay_seconds must not be below login.first_delay_seconds"};
    if (auto ok = read_duration<hours>(login, "forget_after_hours", p, 1, 24 * 365, c.limits.forget_after); !ok)
        return ok;
    return {};
}

// [sessions]: how long a signed-in browser stays signed in.
identity_result<void> read_sessions(const toml::table& sessions, relay_config& c) {
    using std::chrono::hours;
    using std::chrono::minutes;
    const std::string_view p = "sessions.";
    if (auto ok = check_keys(sessions, {"idle_timeout_minutes", "absolute_timeout_hours"}, p); !ok) return ok;
    if (auto ok = read_duration<minutes>(sessions, "idle_timeout_minutes", p, 1, 24 * 60, c.sessions.idle_timeout);
        !ok)
        return ok;
    if (auto ok = read_duration<hours>(sessions, "absolute_timeout_hours", p, 1, 24 * 30, c.sessions.absolute_timeout);
        !ok)
        return ok;
    if (c.sessions.absolute_timeout < c.sessions.idle_timeout)
        return identity_error{"sessions.absolute_timeout_hours must not be shorter than sessions.idle_timeout_minutes"};
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

identity_result<relay_config> parse_config(std::string_view text, relay_config base) {
    toml::table root;
    try {
        root = toml::parse(text);
    } catch (const toml::parse_error& err) {
        return identity_error{"relay.toml line " + std::to_string(err.source().begin.line) + ": " +
                              std::string(err.description())};
    }
    relay_config c = std::move(base);
    if (auto ok = check_keys(root, {"state_dir", "zone", "log_level", "tunnel", "https", "login", "sessions"}, ""); !ok)
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
    identity_result<void> table_status;
    if (const toml::table* login = sub_table(root, "login", table_status)) {
        if (auto ok = read_login(*login, c); !ok) return identity_error{ok.message()};
    }
    if (const toml::table* sessions = sub_table(root, "sessions", table_status)) {
        if (auto ok = read_sessions(*sessions, c); !ok) return identity_error{ok.message()};
    }
    if (!table_status) return identity_error{table_status.message()};
    if (c.zone.empty()) return identity_error{"zone must not be empty"};
    return c;
}

identity_result<relay_config> load_config(const std::filesystem::path& file, relay_config base) {
    auto text = tunnel::read_small_file(file, 1 << 20);
    if (!text) return identity_error{text.message()};
    auto c = parse_config(*text, std::move(base));
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
