#include "session_gate.hpp"

#include <spdlog/spdlog.h>

#include <printgate/auth/client_address.hpp>
#include <printgate/auth/cookies.hpp>

#include "fetch_guard.hpp"
#include "form.hpp"
#include "return_target.hpp"

namespace printgate::relay {
namespace {

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

std::string json_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (u < 0x20) {
            out += ' ';
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace

http_reply json_error(unsigned status, std::string_view message) {
    http_reply r;
    r.status = status;
    r.content_type = "application/json";
    r.body = "{\"error\":\"" + json_escape(message) + "\"}\n";
    return r;
}

auth::api_scope needed_scope(std::string_view method, std::string_view target, bool websocket_upgrade) {
    if (websocket_upgrade) return auth::api_scope::control;
    if (method == "GET" || method == "HEAD" || method == "OPTIONS") return auth::api_scope::read;
    const auto path = path_of(target);
    if ((method == "POST" || method == "PUT") && (path == "/api/files" || path.starts_with("/api/files/")))
        return auth::api_scope::upload;
    return auth::api_scope::control;
}

bool is_api_request(const request_view& request) {
    if (request.websocket_upgrade) return true;
    const auto path = path_of(request.target);
    if (path == "/api" || path.starts_with("/api/")) return true;
    if (auto accept = request.header("Accept")) {
        if (contains(*accept, "application/json") && !contains(*accept, "text/html")) return true;
    }
    return false;
}

session_gate::session_gate(auth_service& auth, std::string zone) : auth_(auth), zone_(std::move(zone)) {}

boost::asio::awaitable<gate_decision> session_gate::check(const request_view& request, const peer_info& peer) {
    co_return decide(request, peer);
}

gate_decision session_gate::decide(const request_view& request, const peer_info& peer) {
    if (path_of(request.target) == enter_path && request.method == "GET") return enter(request);

    if (auto why = cross_origin_refusal(request, origin_of_host(request.host))) {
        if (is_api_request(request)) return gate_decision::refuse(json_error(403, *why));
        return gate_decision::refuse(html_page(403, "Refused", *why));
    }

    if (auto key = request.header("X-Api-Key")) return with_api_key(request, *key, peer);

    if (auto cookies = request.header("Cookie")) {
        auto token = auth::find_cookie(*cookies, auth::session_cookie_name);
        if (token) {
            if (auto user = auth_.full_session(token.value(), true)) return gate_decision::admit(user->name);
        }
    }
    return sign_in_needed(request);
}

gate_decision session_gate::enter(const request_view& request) {
    auto query = parse_form(query_of(request.target));
    std::optional<hand_off> hand;
    if (query.ok) hand = auth_.tickets.redeem(query.fields.value("ticket"), request.device);
    if (!hand || !auth_.full_session(hand->session_token, true)) {
        // An old bookmark or a used ticket: start again from the device's front page.
        const auto port = port_of_host(request.host);
        return gate_decision::refuse(see_other(apex_origin(zone_, port) + "/signin" +
                                              return_query(return_target{std::string(request.device), "/"})));
    }
    auto reply = see_other(hand->path);
    reply.headers.emplace_back("Set-Cookie", auth::session_cookie(hand->session_token));
    return gate_decision::refuse(std::move(reply));
}

gate_decision session_gate::with_api_key(const request_view& request, std::string_view presented,
                                         const peer_info& peer) {
    const auto scope = needed_scope(request.method, request.target, request.websocket_upgrade);
    auto key = auth_.api_keys.authorize(presented, scope);
    if (!key) {
        if (key.code() == auth::errc::permission)
            return gate_decision::refuse(json_error(403, "This API key does not allow this request."));
        if (key.code() == auth::errc::storage) return gate_decision::refuse(json_error(500, "Server error."));
        spdlog::info("relay: refused an API key from {} for {}", peer.address.to_string(), request.device);
        return gate_decision::refuse(json_error(401, "The API key is not valid."));
    }
    if (key->device != request.device)
        return gate_decision::refuse(json_error(403, "This API key is for another printer."));
    // authorize() refused the keys of disabled accounts and named the owner.
    return gate_decision::admit(std::move(key->user_name));
}

gate_decision session_gate::sign_in_needed(const request_view& request) {
    if (is_api_request(request)) {
        auto r = json_error(401, "Sign in first, or send an X-Api-Key.");
        r.headers.emplace_back("WWW-Authenticate", "Cookie realm=\"printgate\"");
        return gate_decision::refuse(std::move(r));
    }
    if (request.method != "GET" && request.method != "HEAD")
        return gate_decision::refuse(html_page(401, "Sign in first", "Sign in on the relay, then try again."));
    auto target = parse_return_target(request.device, request.target);
    if (!target) target = return_target{std::string(request.device), "/"};
    const auto port = port_of_host(request.host);
    return gate_decision::refuse(see_other(apex_origin(zone_, port) + "/signin" + return_query(target)));
}

}  // namespace printgate::relay
