#pragma once
// The LAN listener's sign-in (http.lan, or an http.address that is not loopback): every
// request needs the API key or a full session (password, then a TOTP code) of an account in
// STATE_DIR/auth.db, made with `printgate-edge user add`. The same printgate::auth services
// as the relay (auth::account_service: login_flow, rate limits, Argon2 on a worker pool).
// The pages live under /lan/. Identity headers (X-Printgate-*, X-Forwarded-*) are never
// read here: who is asking comes from the socket and the cookie.
#include "http_types.hpp"
#include "printgate/auth/account_service.hpp"
#include "printgate/edge/edge_config.hpp"

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace printgate::edge {

// The cookies carry Secure when the connection is HTTPS (the LAN listener always is).
inline constexpr std::string_view lan_session_cookie = "printgate-session";
inline constexpr std::string_view lan_device_cookie = "printgate-device";
inline constexpr std::string_view lan_form_cookie = "printgate-sign-in";  // the sign-in form's anti-CSRF value
inline constexpr std::string_view lan_sign_in_path = "/lan/sign-in";

// True for anything but a loopback IP address (a bad address too: it is refused later).
bool is_lan_address(const std::string& address);

// Opens (or creates) STATE_DIR/auth.db and STATE_DIR/auth.key; nullptr with `why` on failure.
std::unique_ptr<auth::account_service> open_lan_accounts(const edge_config& config, std::string& why);

bool is_lan_page(std::string_view path);  // /lan/ and below
// A full session of an enabled account in the request's cookie: sets ctx.user.
bool lan_signed_in(route_context& ctx);
// What a request with neither key nor session gets: 401 under /api, else 303 to the sign-in page.
response lan_refusal(const route_context& ctx);
// The /lan/ pages (GET and the POSTed forms, whose body is in ctx.req).
boost::asio::awaitable<response> serve_lan_page(route_context& ctx);

}  // namespace printgate::edge
