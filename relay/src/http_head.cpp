#include "http_head.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "cookie_filter.hpp"

namespace printgate::relay {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

template <class F>
void for_each_token(std::string_view list, F f) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        const auto token = trim(list.substr(0, comma));
        if (!token.empty()) f(token);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
}

bool named_in_connection(const http::fields& fields, std::string_view name) {
    for (auto it = fields.find(http::field::connection);
         it != fields.end() && it->name() == http::field::connection; ++it)
        if (has_token(it->value(), name)) return true;
    return false;
}

request_check fail(unsigned status, std::string message) {
    request_check c;
    c.status = status;
    c.message = std::move(message);
    return c;
}

}  // namespace

bool has_token(std::string_view list, std::string_view token) {
    bool found = false;
    for_each_token(list, [&](std::string_view t) {
        if (iequals(t, token)) found = true;
    });
    return found;
}

bool is_identity_field(std::string_view name) {
    return iequals(name, "forwarded") || iequals(name, "x-real-ip") ||
           istarts_with(name, "x-forwarded-") || istarts_with(name, "x-printgate-");
}

bool is_hop_by_hop_field(std::string_view name) {
    static constexpr std::string_view names[] = {
        "connection",  "keep-alive", "proxy-connection",  "proxy-authenticate",
        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "content-length"};
    for (auto n : names)
        if (iequals(name, n)) return true;
    return false;
}

request_check check_request_head(const http::request_header<>& head) {
    const auto method = head.method();
    if (method == http::verb::connect || method == http::verb::trace)
        return fail(405, "The relay does not forward CONNECT or TRACE requests.");
    if (head.version() != 10 && head.version() != 11)
        return fail(400, "Only HTTP/1.0 and HTTP/1.1 are spoken here.");
    const auto target = head.target();
    if (target.empty() || target.front() != '/')
        return fail(400, "The request target must be a path starting with '/'.");

    std::size_t hosts = 0;
    std::string_view host_value;
    for (auto it = head.find(http::field::host); it != head.end() && it->name() == http::field::host;
         ++it) {
        ++hosts;
        host_value = it->value();
    }
    if (hosts != 1) return fail(400, "The request must carry exactly one Host header.");
    auto host = parse_host(trim(host_value));
    if (!host) return fail(400, "The Host header is not a valid host name.");

    for (auto it = head.find(http::field::transfer_encoding);
         it != head.end() && it->name() == http::field::transfer_encoding; ++it) {
        if (!iequals(trim(it->value()), "chunked"))
            return fail(501, "Only the chunked transfer coding is supported.");
    }

    request_check ok;
    ok.host = std::move(*host);
    ok.websocket_upgrade = method == http::verb::get && head.version() == 11 &&
                           named_in_connection(head, "upgrade") &&
                           has_token(head[http::field::upgrade], "websocket");
    return ok;
}

std::vector<header_field> visible_fields(const http::fields& fields) {
    std::vector<header_field> out;
    for (const auto& f : fields) {
        if (is_identity_field(f.name_string())) continue;
        out.push_back({f.name_string(), f.value()});
    }
    return out;
}

void make_upstream_fields(const http::fields& from, http::fields& to,
                          const forwarded_identity& identity, bool websocket_upgrade) {
    for (const auto& f : from) {
        const auto name = f.name_string();
        if (is_identity_field(name) || is_hop_by_hop_field(name) || iequals(name, "host")) continue;
        if (named_in_connection(from, name)) continue;
        if (iequals(name, "x-api-key")) continue;  // the relay's credential, not the device's
        if (iequals(name, "cookie")) {
            auto kept = without_relay_cookies(f.value());
            if (!kept.empty()) to.insert(name, kept);
            continue;
        }
        to.insert(name, f.value());
    }
    to.set(http::field::host, identity.host);
    to.set("X-Forwarded-For", identity.client_address);
    to.set("X-Forwarded-Proto", "https");
    to.set("X-Forwarded-Host", identity.host);
    to.set("X-Printgate-User", identity.user);
    if (websocket_upgrade) {
        to.set(http::field::connection, "Upgrade");
        to.set(http::field::upgrade, "websocket");
    }
}

void make_downstream_fields(const http::fields& from, http::fields& to, bool upgrade) {
    for (const auto& f : from) {
        const auto name = f.name_string();
        if (is_hop_by_hop_field(name)) continue;
        if (named_in_connection(from, name)) continue;
        to.insert(name, f.value());
    }
    to.set(http::field::strict_transport_security, "max-age=31536000; includeSubDomains");
    to.set("X-Content-Type-Options", "nosniff");
    to.insert("Content-Security-Policy", "frame-ancestors 'none'");
    if (upgrade) {
        to.set(http::field::connection, "Upgrade");
        to.set(http::field::upgrade, from[http::field::upgrade]);
    }
}

head_analysis analyze_request_head(std::string_view bytes, std::size_t header_limit,
                                   const forwarded_identity& identity) {
    head_analysis out;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(header_limit));
    parser.eager(false);
    boost::system::error_code ec;
    std::size_t used = 0;
    while (!parser.is_header_done() && used < bytes.size()) {
        const auto n = parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
        if (ec == http::error::need_more) break;
        if (ec) return out;
        if (n == 0) break;
        used += n;
    }
    if (!parser.is_header_done()) return out;
    out.parsed = true;
    out.check = check_request_head(parser.get().base());
    if (out.check.ok())
        make_upstream_fields(parser.get().base(), out.upstream, identity,
                             out.check.websocket_upgrade);
    return out;
}

}  // namespace printgate::relay
