#include "printgate/edge/gcode_download.hpp"

#include "http_types.hpp"
#include "https_client.hpp"
#include "outgoing_connection.hpp"
#include "printgate/edge/file_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace printgate::edge {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr int max_redirects = 5;
constexpr int max_running = 2;
constexpr std::size_t records_kept = 20;

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// A timeout is the time limit (download.timeout_ms) running out, whatever was under way.

bool host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// "Location" may be absolute or start with "/" (relative to the current origin).
std::optional<download_url> follow(const download_url& from, const std::string& location, bool allow_http,
                                   std::string& why) {
    if (!location.empty() && location[0] == '/' && (location.size() < 2 || location[1] != '/')) {
        download_url next = from;
        next.target = location;
        for (char c : location)
            if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
                why = "the redirect's target has a space or a control character";
                return std::nullopt;
            }
        return next;
    }
    return parse_download_url(location, allow_http, why);
}


}  // namespace

std::optional<download_url> parse_download_url(std::string_view url, bool allow_http, std::string& why) {
    if (url.size() > 2048) {
        why = "the URL is longer than 2048 characters";
        return std::nullopt;
    }
    download_url out;
    const auto colon = url.find("://");
    out.scheme = colon == std::string_view::npos ? "" : lower(url.substr(0, colon));
    if (out.scheme != "https" && !(out.scheme == "http" && allow_http)) {
        why = out.scheme == "http" ? "only https:// URLs are allowed (download.allow_http)" : "must be an https:// URL";
        return std::nullopt;
    }
    auto rest = url.substr(colon + 3);
    if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
    const auto end = rest.find_first_of("/?");
    const auto authority = rest.substr(0, end);
    if (authority.find('@') != std::string_view::npos) {
        why = "user names and passwords in the URL are not supported";
        return std::nullopt;
    }
    std::string_view port;
    if (!authority.empty() && authority[0] == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            why = "the URL's IPv6 address has no ']'";
            return std::nullopt;
        }
        out.host = std::string(authority.substr(1, close - 1));
        const auto after = authority.substr(close + 1);
        if (!after.empty() && after[0] != ':') {
            why = "the URL's host is malformed";
            return std::nullopt;
        }
        if (!after.empty()) port = after.substr(1);
        boost::system::error_code ec;
        net::ip::make_address_v6(out.host, ec);
        if (ec) {
            why = "the URL's IPv6 address is malformed";
            return std::nullopt;
        }
    } else {
        const auto c = authority.find(':');
        out.host = lower(authority.substr(0, c));
        if (c != std::string_view::npos) port = authority.substr(c + 1);
        for (char ch : out.host)
            if (!host_char(ch)) {
                why = "the URL's host name has a character that is not allowed";
                return std::nullopt;
            }
    }
    if (out.host.empty() || out.host.size() > 253) {
        why = "the URL has no host";
        return std::nullopt;
    }
    if (port.empty()) {
        out.port = out.scheme == "https" ? "443" : "80";
    } else {
        unsigned value = 0;
        for (char ch : port) {
            if (ch < '0' || ch > '9' || value > 65535) {
                why = "the URL's port is not a number";
                return std::nullopt;
            }
            value = value * 10 + static_cast<unsigned>(ch - '0');
        }
        if (value == 0 || value > 65535) {
            why = "the URL's port is out of range";
            return std::nullopt;
        }
        out.port = std::to_string(value);
    }
    out.target = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
    if (out.target[0] == '?') out.target.insert(0, "/");
    for (char ch : out.target)
        if (static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f) {
            why = "the URL has a space or a control character (percent-encode it)";
            return std::nullopt;
        }
    return out;
}

bool is_internal_address(const net::ip::address& a) {
    if (a.is_v6()) {
        const auto v6 = a.to_v6();
        if (v6.is_v4_mapped()) return is_internal_address(net::ip::make_address_v4(net::ip::v4_mapped, v6));
        const auto b = v6.to_bytes();
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address: judge that one.
        const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                           std::all_of(b.begin() + 4, b.begin() + 12, [](unsigned char x) { return x == 0; });
        if (nat64) return is_internal_address(net::ip::address_v4({b[12], b[13], b[14], b[15]}));
        if (b[0] == 0x20 && b[1] == 0x02) return is_internal_address(net::ip::address_v4({b[2], b[3], b[4], b[5]}));
        const bool v4_compatible = std::all_of(b.begin(), b.begin() + 12, [](unsigned char x) { return x == 0; });
        const bool unique_local = (b[0] & 0xfe) == 0xfc;
        const bool documentation = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8;
        return v6.is_loopback() || v6.is_unspecified() || v6.is_link_local() || v6.is_site_local() ||
               v6.is_multicast() || v4_compatible || unique_local || documentation;
    }
    const std::uint32_t v = a.to_v4().to_uint();
    auto in = [v](std::uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
    return in(0x00000000, 8) ||    // "this network"
           in(0x0a000000, 8) ||    // 10/8
           in(0x64400000, 10) ||   // 100.64/10, carrier-grade NAT
           in(0x7f000000, 8) ||    // loopback
           in(0xa9fe0000, 16) ||   // 169.254/16, link-local (cloud metadata lives here)
           in(0xac100000, 12) ||   // 172.16/12
           in(0xc0000000, 24) ||   // 192.0.0/24
           in(0xc0000200, 24) ||   // TEST-NET-1
           in(0xc0a80000, 16) ||   // 192.168/16
           in(0xc6120000, 15) ||   // 198.18/15, benchmarking
           in(0xc6336400, 24) ||   // TEST-NET-2
           in(0xcb007100, 24) ||   // TEST-NET-3
           in(0xe0000000, 4) ||    // multicast
           in(0xf0000000, 4);      // reserved and broadcast
}

nlohmann::json to_json(const download_record& r) {
    nlohmann::json j = {{"id", r.id}, {"host", r.host}, {"file", r.file}, {"status", r.status}, {"bytes", r.bytes}};
    if (!r.error.empty()) j["error"] = r.error;
    return j;
}

struct gcode_downloader::shared {
    net::any_io_executor ex;
    bool allow_http = false, allow_internal = false;
    std::uint64_t max_bytes = 0;
    std::chrono::milliseconds timeout{};
    std::filesystem::path root;
    net::ssl::context tls{net::ssl::context::tls_client};
    finished_fn finished;
    std::deque<download_record> records;  // newest first
    int next_id = 1;
    int running = 0;
    bool stopped = false;

    download_record* find(int id) {
        for (auto& r : records)
            if (r.id == id) return &r;
        return nullptr;
    }
};

namespace {

using shared_ptr = std::shared_ptr<gcode_downloader::shared>;

// One request to one origin: connect_outgoing() (resolve, keep only acceptable addresses,
// connect, check the peer, TLS with the host name verified), then http_exchange(). The body
// goes to a temporary file committed to `target` only when it arrived whole. Returns an error
// text, or "" with `redirect` set when the server points elsewhere.
net::awaitable<std::string> fetch_once(shared_ptr s, const download_url& u, int id, const std::filesystem::path& target,
                                       std::chrono::steady_clock::time_point deadline, std::string& redirect) {
    outgoing_connection c;
    auto error = co_await connect_outgoing(s->ex, s->tls, u, s->allow_internal, "download.allow_internal", deadline, c);
    if (!error.empty()) co_return error;

    client_limits limits;
    limits.max_body_bytes = s->max_bytes;
    limits.too_large = fmt::format("the file is larger than the limit of {} bytes", s->max_bytes);
    std::string refused;
    std::unique_ptr<upload_file> file;
    // Named objects, not temporaries, for the co_await below (GCC 12 frees braced temporaries
    // of a co_await expression wrongly).
    const client_request request;
    const client_head_fn on_head = [&](const client_response_head& head) {
        const unsigned status = head.status;
        if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
            redirect = head.location;
            if (redirect.empty()) refused = fmt::format("the server answered {} without a Location", status);
            return false;
        }
        if (status != 200) {
            refused = fmt::format("the server answered {} {}", status, head.reason);
            return false;
        }
        std::error_code fec;
        file = upload_file::create(s->root, fec);
        if (!file) refused = "cannot store the file: " + fec.message();
        return file != nullptr;
    };
    const client_body_fn on_body = [&](std::span<const char> piece) -> std::string {
        std::error_code fec;
        if (!file->write(piece, fec)) return "cannot store the file: " + fec.message();
        if (auto* r = s->find(id)) r->bytes = file->size();
        return "";
    };
    error = co_await http_exchange(c, u, request, limits, on_head, on_body);
    if (!error.empty()) co_return error;
    if (!refused.empty()) co_return refused;
    if (!file) co_return "";  // a redirect
    std::error_code fec;
    if (!file->commit(target, fec)) co_return "cannot store the file: " + fec.message();
    co_return "";
}

net::awaitable<void> run_download(shared_ptr s, download_url url, int id, std::filesystem::path target) {
    const auto deadline = std::chrono::steady_clock::now() + s->timeout;
    std::string error;
    for (int hop = 0;; ++hop) {
        std::string redirect;
        error = co_await fetch_once(s, url, id, target, deadline, redirect);
        if (!error.empty() || redirect.empty()) break;
        if (hop == max_redirects) {
            error = "more than 5 redirects";
            break;
        }
        std::string why;
        auto next = follow(url, redirect, s->allow_http, why);
        if (!next) {
            error = "redirected to an unacceptable URL: " + why;
            break;
        }
        url = std::move(*next);
    }
    --s->running;
    auto* r = s->find(id);
    if (!r) co_return;
    r->status = error.empty() ? "done" : "failed";
    r->error = error;
    if (error.empty()) spdlog::info("download {}: {} ({} bytes) from {}", id, r->file, r->bytes, r->host);
    else spdlog::warn("download {} from {}: {}", id, r->host, error);
    if (!s->stopped && s->finished) s->finished(*r);
}

}  // namespace

gcode_downloader::gcode_downloader(net::any_io_executor ex, const edge_config& config, std::filesystem::path files_root,
                                   finished_fn finished)
    : shared_(std::make_shared<shared>()) {
    auto& s = *shared_;
    s.ex = ex;
    s.allow_http = config.download_allow_http;
    s.allow_internal = config.download_allow_internal;
    s.max_bytes = config.max_upload_bytes;
    s.timeout = std::chrono::milliseconds(config.download_timeout_ms);
    s.root = std::move(files_root);
    s.finished = std::move(finished);
    configure_outgoing_tls(s.tls, config.download_ca_file, "download.ca_file");
}

gcode_downloader::~gcode_downloader() { stop(); }

void gcode_downloader::stop() {
    shared_->stopped = true;
    shared_->finished = nullptr;
}

std::optional<download_record> gcode_downloader::start(const std::string& url, std::string& why) {
    auto& s = *shared_;
    if (s.stopped) {
        why = "the edge is stopping";
        return std::nullopt;
    }
    auto u = parse_download_url(url, s.allow_http, why);
    if (!u) return std::nullopt;
    auto path = u->target.substr(0, u->target.find('?'));
    auto name = percent_decode(path.substr(path.rfind('/') + 1));
    if (!file_store::valid_name(name) || !file_store::is_gcode_name(name)) {
        why = "the URL's path must end in a G-code file name (.gcode, .gco, .g)";
        return std::nullopt;
    }
    if (s.running >= max_running) {
        why = fmt::format("{} downloads are running already; try again when one is done", max_running);
        return std::nullopt;
    }
    download_record r;
    r.id = s.next_id++;
    r.host = u->host;
    r.file = name;
    r.status = "running";
    s.records.push_front(r);
    if (s.records.size() > records_kept) s.records.pop_back();
    ++s.running;
    net::co_spawn(s.ex, run_download(shared_, std::move(*u), r.id, s.root / name), net::detached);
    return r;
}

nlohmann::json gcode_downloader::list() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : shared_->records) out.push_back(to_json(r));
    return out;
}

}  // namespace printgate::edge
