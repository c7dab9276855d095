#pragma once
// download_gcode: fetches a G-code file over HTTPS (plain HTTP only when configured) into
// the files folder through the same all-or-nothing path as uploads (temporary name, fsync,
// rename). Destinations that are not the public internet (loopback, private, link-local,
// CGNAT, multicast, ...) are refused after DNS unless configured, and the address actually
// connected to is checked again, so a download cannot reach into the home network (SSRF).
// A size cap and one time limit cover the whole transfer, redirects included.
#include "printgate/edge/edge_config.hpp"

#include <filesystem>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace printgate::edge {

struct download_url {
    std::string scheme;  // "https" or "http"
    std::string host;    // without brackets for IPv6
    std::string port;
    std::string target;  // path and query, at least "/"
};

// Absolute http(s) URLs only, no user info; `why` says what is wrong.
std::optional<download_url> parse_download_url(std::string_view url, bool allow_http, std::string& why);
// Not the public internet: loopback, unspecified, private, link-local, CGNAT, multicast,
// reserved, unique-local IPv6, and IPv4-mapped forms of those.
bool is_internal_address(const boost::asio::ip::address& a);

struct download_record {
    int id = 0;
    std::string host;    // never the path or query: they may carry a token
    std::string file;    // relative path in the files folder
    std::string status;  // "running", "done", "failed"
    std::string error;
    std::uint64_t bytes = 0;
};

class gcode_downloader {
public:
    using finished_fn = std::function<void(const download_record&)>;

    gcode_downloader(boost::asio::any_io_executor ex, const edge_config& config, std::filesystem::path files_root,
                     finished_fn finished);
    ~gcode_downloader();
    gcode_downloader(const gcode_downloader&) = delete;
    gcode_downloader& operator=(const gcode_downloader&) = delete;

    // Checks the URL and starts the transfer; nullopt with `why` when it cannot start.
    std::optional<download_record> start(const std::string& url, std::string& why);
    nlohmann::json list() const;  // the most recent downloads, newest first
    void stop();

    struct shared;  // what the running transfers share with this object

private:
    std::shared_ptr<shared> shared_;
};

nlohmann::json to_json(const download_record& r);

}  // namespace printgate::edge
