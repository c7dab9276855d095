#pragma once
// A very small browser for the login tests: HTTPS to the relay on loopback with the SNI and
// Host of any name in the zone, one connection per request (Connection: close), a cookie jar
// per host (host-only cookies, as __Host- requires), forms sent as a browser would (Origin
// and Sec-Fetch-Site same-origin unless the test says otherwise).
#include <openssl/ssl.h>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace printgate::testing {

struct http_response {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string raw_error;  // set when the exchange failed

    std::string header(std::string_view name) const {
        for (const auto& [n, v] : headers)
            if (equal_ci(n, name)) return v;
        return {};
    }
    std::vector<std::string> all(std::string_view name) const {
        std::vector<std::string> out;
        for (const auto& [n, v] : headers)
            if (equal_ci(n, name)) out.push_back(v);
        return out;
    }
    static bool equal_ci(std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
                return false;
        return true;
    }
};

// "https://printer1.localhost:8443/a?b" -> {"printer1.localhost", 8443, "/a?b"}
struct url_parts {
    std::string host;
    std::uint16_t port = 443;
    std::string target = "/";
};
inline url_parts split_url(const std::string& url) {
    url_parts u;
    auto rest = url.substr(url.find("://") + 3);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    u.target = slash == std::string::npos ? "/" : rest.substr(slash);
    auto colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = static_cast<std::uint16_t>(std::stoi(authority.substr(colon + 1)));
    return u;
}

inline std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const auto& [n, v] : fields) {
        if (!out.empty()) out += '&';
        for (const std::string* s : {&n, &v}) {
            for (unsigned char c : *s) {
                if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
                    out.push_back(static_cast<char>(c));
                } else {
                    out.push_back('%');
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 15]);
                }
            }
            if (s == &n) out += '=';
        }
    }
    return out;
}

// One request on a fresh TLS connection from `source` (a loopback address) to 127.0.0.1;
// `tls_version` (TLS1_2_VERSION ...) pins the protocol version when not 0.
inline http_response https_exchange(std::uint16_t port, const std::string& sni, const std::string& request,
                                    const std::string& source = {}, int tls_version = 0) {
    namespace net = boost::asio;
    http_response r;
    net::io_context io;
    net::ssl::context tls(net::ssl::context::tls_client);
    tls.set_verify_mode(net::ssl::verify_none);
    if (tls_version != 0) {
        SSL_CTX_set_security_level(tls.native_handle(), 0);  // let the client offer old versions
        SSL_CTX_set_min_proto_version(tls.native_handle(), tls_version);
        SSL_CTX_set_max_proto_version(tls.native_handle(), tls_version);
    }
    net::ssl::stream<net::ip::tcp::socket> s(io, tls);
    SSL_set_tlsext_host_name(s.native_handle(), sni.c_str());
    boost::system::error_code ec;
    s.next_layer().open(net::ip::tcp::v4(), ec);
    if (!source.empty() && !ec) s.next_layer().bind({net::ip::make_address(source), 0}, ec);
    if (!ec) s.next_layer().connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) s.handshake(net::ssl::stream_base::client, ec);
    if (!ec) net::write(s, net::buffer(request), ec);
    if (ec) {
        r.raw_error = ec.message();
        return r;
    }
    net::streambuf buf;
    net::read(s, buf, ec);  // until the relay closes (Connection: close)
    std::string text(net::buffers_begin(buf.data()), net::buffers_end(buf.data()));
    auto end = text.find("\r\n\r\n");
    if (end == std::string::npos || text.size() < 12) {
        r.raw_error = "no response (" + ec.message() + ")";
        return r;
    }
    r.status = std::stoi(text.substr(9, 3));
    std::size_t pos = text.find("\r\n") + 2;
    while (pos < end) {
        auto eol = text.find("\r\n", pos);
        auto line = text.substr(pos, eol - pos);
        auto colon = line.find(':');
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers.emplace_back(line.substr(0, colon), value);
        pos = eol + 2;
    }
    r.body = text.substr(end + 4);
    return r;
}

class browser_client {
public:
    using fields = std::vector<std::pair<std::string, std::string>>;

    explicit browser_client(std::string source = {}) : source_(std::move(source)) {}

    http_response get(const std::string& url, const fields& extra = {}) { return send("GET", url, {}, extra); }

    // A form POST the way a page of the same origin sends it.
    http_response post(const std::string& url, const fields& form, fields extra = {}, bool same_origin = true) {
        auto u = split_url(url);
        if (same_origin) {
            extra.emplace_back("Origin", origin(u));
            extra.emplace_back("Sec-Fetch-Site", "same-origin");
        }
        extra.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        return send("POST", url, form_encode(form), extra);
    }

    http_response send(const std::string& method, const std::string& url, const std::string& body,
                       const fields& extra) {
        auto u = split_url(url);
        const auto host = u.host + ":" + std::to_string(u.port);
        std::string req = method + " " + u.target + " HTTP/1.1\r\nHost: " + host +
                          "\r\nConnection: close\r\nUser-Agent: printgate-test\r\n";
        auto cookies = cookie_header(u.host);
        if (!cookies.empty()) req += "Cookie: " + cookies + "\r\n";
        for (const auto& [n, v] : extra) req += n + ": " + v + "\r\n";
        if (method == "POST" || !body.empty()) req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        req += "\r\n" + body;
        auto r = https_exchange(u.port, u.host, req, source_);
        for (const auto& set : r.all("Set-Cookie")) store(u.host, set);
        return r;
    }

    std::optional<std::string> cookie(const std::string& host, const std::string& name) const {
        auto h = jar_.find(host);
        if (h == jar_.end()) return std::nullopt;
        auto c = h->second.find(name);
        if (c == h->second.end()) return std::nullopt;
        return c->second;
    }
    void set_cookie(const std::string& host, const std::string& name, const std::string& value) {
        jar_[host][name] = value;
    }
    void forget_cookies() { jar_.clear(); }

    static std::string origin(const url_parts& u) { return "https://" + u.host + ":" + std::to_string(u.port); }

private:
    std::string cookie_header(const std::string& host) const {
        std::string out;
        auto h = jar_.find(host);
        if (h == jar_.end()) return out;
        for (const auto& [n, v] : h->second) out += (out.empty() ? "" : "; ") + n + "=" + v;
        return out;
    }
    void store(const std::string& host, const std::string& set_cookie) {
        auto semi = set_cookie.find(';');
        auto pair = set_cookie.substr(0, semi);
        auto eq = pair.find('=');
        auto name = pair.substr(0, eq);
        auto value = pair.substr(eq + 1);
        if (set_cookie.find("Max-Age=0") != std::string::npos || value.empty()) jar_[host].erase(name);
        else jar_[host][name] = value;
    }

    std::string source_;
    std::map<std::string, std::map<std::string, std::string>> jar_;
};

// The text between `before` and the next `after` in `text`, or "".
inline std::string between(const std::string& text, const std::string& before, const std::string& after) {
    auto a = text.find(before);
    if (a == std::string::npos) return {};
    a += before.size();
    auto b = text.find(after, a);
    if (b == std::string::npos) return {};
    return text.substr(a, b - a);
}

}  // namespace printgate::testing
