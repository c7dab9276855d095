#pragma once
// What the route files share (private: Beast stays out of public headers).
#include "printgate/edge/http_server.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace printgate::edge {

class edge_app;

namespace http = boost::beast::http;
using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

struct route_context {
    edge_app& app;
    const connection_info& info;
    const request& req;
    std::string path;                          // target without the query
    std::map<std::string, std::string> query;  // decoded
    std::string user;                          // who is asking ("" = the local owner)
};

response json_response(const request& req, http::status status, const nlohmann::json& body);
response error_response(const request& req, http::status status, const std::string& message);
response text_response(const request& req, http::status status, std::string body, const std::string& content_type);

std::string percent_decode(std::string_view s);
std::map<std::string, std::string> parse_query(std::string_view q);
// A 415 answer unless the request says Content-Type: application/json (parameters allowed);
// nullopt when it does. Required of every JSON write, so that another site's page cannot send
// one as a "simple" cross-origin request (text/plain, no CORS preflight) to a listener that
// needs no credentials, such as the loopback one.
std::optional<response> refuse_unless_json(const request& req);
// The request body as a JSON object (415 without the JSON content type); nullopt (and an
// error response in `err`) otherwise.
std::optional<nlohmann::json> json_body(const route_context& ctx, std::optional<response>& err);

// Each area answers the paths it owns, or returns nullopt.
std::optional<response> route_printer(route_context& ctx);
std::optional<response> route_files(route_context& ctx);
std::optional<response> route_jobs(route_context& ctx);
std::optional<response> route_history(route_context& ctx);
std::optional<response> route_octoprint(route_context& ctx);
// "/": the printer's home page, and its script, style and status texts (home_page.cpp).
std::optional<response> route_home(route_context& ctx);

}  // namespace printgate::edge

namespace printgate::edge {
// GET /api/v1/files/PATH: the file to send (streamed by the session), or an error in `err`.
std::optional<std::filesystem::path> download_target(route_context& ctx, std::optional<response>& err);
}  // namespace printgate::edge
