#include "http_types.hpp"

#include "printgate/edge/multipart_parser.hpp"

#include <boost/beast/http/field.hpp>

namespace printgate::edge {

response json_response(const request& req, http::status status, const nlohmann::json& body) {
    return text_response(req, status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         "application/json");
}

response error_response(const request& req, http::status status, const std::string& message) {
    return json_response(req, status, {{"error", message}});
}

response text_response(const request& req, http::status status, std::string body, const std::string& content_type) {
    response res{status, req.version()};
    res.set(http::field::server, "printgate-edge");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else if (s[i] == '+') {
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}

std::map<std::string, std::string> parse_query(std::string_view q) {
    std::map<std::string, std::string> out;
    while (!q.empty() && out.size() < 32) {
        auto amp = q.find('&');
        auto pair = q.substr(0, amp);
        auto eq = pair.find('=');
        out[percent_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
        q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    }
    return out;
}

std::optional<response> refuse_unless_json(const request& req) {
    const auto type = req[http::field::content_type];
    if (is_media_type({type.data(), type.size()}, "application/json")) return std::nullopt;
    return error_response(req, http::status::unsupported_media_type, "Content-Type must be application/json");
}

std::optional<nlohmann::json> json_body(const route_context& ctx, std::optional<response>& err) {
    err = refuse_unless_json(ctx.req);
    if (err) return std::nullopt;
    auto j = nlohmann::json::parse(ctx.req.body(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        err = error_response(ctx.req, http::status::bad_request, "the body must be a JSON object");
        return std::nullopt;
    }
    return j;
}

}  // namespace printgate::edge
