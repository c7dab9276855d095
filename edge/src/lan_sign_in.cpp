#include "lan_sign_in.hpp"

#include "printgate/auth/cookies.hpp"
#include "printgate/auth/secret_bytes.hpp"
#include "printgate/common/html_escape.hpp"
#include "printgate/edge/edge_app.hpp"

#include <boost/asio/ip/address.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace printgate::edge {

namespace net = boost::asio;

bool is_lan_address(const std::string& address) {
    boost::system::error_code ec;
    auto addr = net::ip::make_address(address, ec);
    return ec || !addr.is_loopback();
}

std::unique_ptr<auth::account_service> open_lan_accounts(const edge_config& config, std::string& why) {
    auth::account_settings settings;
    settings.zone = config.printer_id;  // a context word the password policy refuses
    auto opened = auth::account_service::open(config.state_dir, std::move(settings));
    if (!opened) {
        why = "accounts in " + config.state_dir.string() + ": " + opened.message();
        return nullptr;
    }
    return std::move(opened.value());
}

bool is_lan_page(std::string_view path) { return path == "/lan" || path.rfind("/lan/", 0) == 0; }

namespace {

std::string_view header(const request& req, http::field name) {
    const auto value = req[name];
    return {value.data(), value.size()};
}

std::string cookie(const request& req, std::string_view name) {
    auto value = auth::find_cookie(header(req, http::field::cookie), name);
    return value ? std::move(value.value()) : std::string{};
}

// "192.168.1.20:51234" or "fe80::1:51234": the address without the port.
std::string peer_address(const connection_info& info) {
    const auto colon = info.peer.rfind(':');
    return colon == std::string::npos ? info.peer : info.peer.substr(0, colon);
}

// Secure on HTTPS (the LAN listener); a plain-HTTP connection would lose a Secure cookie.
std::string set_cookie(const route_context& ctx, std::string_view name, std::string_view value, std::string_view extra = {}) {
    return std::string(name) + "=" + std::string(value) + "; HttpOnly; SameSite=Strict; Path=/" +
           (ctx.info.tls ? "; Secure" : "") + std::string(extra);
}

std::string clear_cookie(const route_context& ctx, std::string_view name) { return set_cookie(ctx, name, "", "; Max-Age=0"); }


response page(const request& req, http::status status, std::string_view title, const std::string& body) {
    auto res = text_response(req, status,
                             "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
                                 common::html_escape(title) + " - printgate</title></head><body><h1>" + common::html_escape(title) + "</h1>" + body +
                                 "</body></html>\n",
                             "text/html; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'");
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Content-Type-Options", "nosniff");
    return res;
}

response redirect(const request& req, std::string_view location) {
    auto res = text_response(req, http::status::see_other, "", "text/plain");
    res.set(http::field::location, location);
    res.set(http::field::cache_control, "no-store");
    return res;
}

std::string hidden(std::string_view name, std::string_view value) {
    return "<input type=\"hidden\" name=\"" + common::html_escape(name) + "\" value=\"" + common::html_escape(value) + "\">";
}

std::string message_line(std::string_view message) {
    return message.empty() ? std::string{} : "<p role=\"alert\">" + common::html_escape(message) + "</p>";
}

response sign_in_page(const request& req, http::status status, std::string_view form_token, std::string_view message) {
    return page(req, status, "Sign in",
                message_line(message) + "<form method=\"post\" action=\"/lan/sign-in\">" + hidden("csrf", form_token) +
                    "<p><label>Name <input name=\"name\" autocomplete=\"username\" required></label></p>"
                    "<p><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" "
                    "required></label></p><p><button>Next</button></p></form>");
}

response second_factor_page(const request& req, http::status status, std::string_view csrf, std::string_view message) {
    return page(req, status, "Authenticator code",
                message_line(message) + "<form method=\"post\" action=\"/lan/second-factor\">" + hidden("csrf", csrf) +
                    "<p><label>Code from the app <input name=\"code\" inputmode=\"numeric\" "
                    "autocomplete=\"one-time-code\"></label></p>"
                    "<p><label>or a recovery code <input name=\"recovery\" autocomplete=\"off\"></label></p>"
                    "<p><button>Sign in</button></p></form>");
}

response limited(const request& req, const auth::login_result& r) {
    auto res = page(req, http::status::too_many_requests, "Too many attempts", message_line(r.message));
    res.set(http::field::retry_after, std::to_string(std::max<long long>(r.retry_after.count(), 1)));
    return res;
}

response busy(const request& req) {
    auto res = page(req, http::status::service_unavailable, "Busy", message_line("Too many sign-ins at once; try again in a moment."));
    res.set(http::field::retry_after, "1");
    return res;
}

response failed(const request& req, std::string_view what) {
    spdlog::warn("lan sign-in: {}", what);
    return page(req, http::status::internal_server_error, "Something went wrong", message_line("The sign-in failed on the printer's side."));
}

// A form body (application/x-www-form-urlencoded): '+' is a space there.
std::map<std::string, std::string> form_fields(const request& req) {
    std::string body = req.body();
    std::string plus_as_space;
    plus_as_space.reserve(body.size());
    for (char c : body) plus_as_space += c == '+' ? std::string("%20") : std::string(1, c);
    auth::wipe(body);
    auto fields = parse_query(plus_as_space);
    auth::wipe(plus_as_space);
    return fields;
}

std::string field(const std::map<std::string, std::string>& form, const std::string& name) {
    auto it = form.find(name);
    return it == form.end() ? std::string{} : it->second;
}

bool is_form(const request& req) {
    return header(req, http::field::content_type).rfind("application/x-www-form-urlencoded", 0) == 0;
}

struct client {
    std::string address, user_agent, device_token;
    auth::client_info info() const { return {address, user_agent, device_token}; }
};

client client_of(const route_context& ctx) {
    return {peer_address(ctx.info), std::string(header(ctx.req, http::field::user_agent).substr(0, 256)),
            cookie(ctx.req, lan_device_cookie)};
}

net::awaitable<response> post_sign_in(route_context& ctx, auth::account_service& accounts) {
    const auto& req = ctx.req;
    auto form = form_fields(req);
    const auto form_token = cookie(req, lan_form_cookie);
    if (form_token.empty() || !auth::constant_time_equal(form_token, field(form, "csrf"))) {
        auto res = redirect(req, lan_sign_in_path);  // an old or forged form: a fresh one
        co_return res;
    }
    ++accounts.sign_in_attempts;
    const auto who = client_of(ctx);
    const auto name = field(form, "name");
    std::optional<auth::account_service::unknown_sign_in> share;
    if (!accounts.is_known_device(name, who.device_token)) {
        share = accounts.admit_unknown_sign_in();
        if (!share) co_return busy(req);
    }
    auto job = [&accounts, name, password = field(form, "password"), who]() mutable {
        auto r = accounts.flow.sign_in(name, password, who.info());
        auth::wipe(password);
        return r;
    };
    if (auto it = form.find("password"); it != form.end()) auth::wipe(it->second);
    auto pending = accounts.offload(std::move(job));
    auto outcome = co_await std::move(pending);
    if (!outcome) co_return busy(req);
    auto& r = *outcome;
    switch (r.status) {
        case auth::login_status::second_factor_needed: {
            if (!r.session) co_return failed(req, "no session after the password");
            auto res = redirect(req, "/lan/second-factor");
            res.insert(http::field::set_cookie, set_cookie(ctx, lan_session_cookie, r.session->token));
            res.insert(http::field::set_cookie, clear_cookie(ctx, lan_form_cookie));
            co_return res;
        }
        case auth::login_status::enrollment_needed:
            if (r.session) (void)accounts.flow.sign_out(r.session->token, who.info());
            co_return page(req, http::status::forbidden, "Not set up yet",
                           message_line("This account has no authenticator app yet. On the printer's computer, run "
                                        "printgate-edge user totp NAME."));
        case auth::login_status::rejected:
        case auth::login_status::refused:
            co_return sign_in_page(req, http::status::unauthorized, form_token, r.message);
        case auth::login_status::limited: co_return limited(req, r);
        case auth::login_status::busy: co_return busy(req);
        default: co_return failed(req, r.message);
    }
}

net::awaitable<response> post_second_factor(route_context& ctx, auth::account_service& accounts) {
    const auto& req = ctx.req;
    auto form = form_fields(req);
    const auto token = cookie(req, lan_session_cookie);
    if (token.empty()) co_return redirect(req, lan_sign_in_path);
    if (!accounts.csrf_matches(token, field(form, "csrf")))
        co_return page(req, http::status::forbidden, "Form expired", message_line("Open the sign-in page again."));
    const auto who = client_of(ctx);
    const auto recovery = field(form, "recovery");
    auto r = recovery.empty() ? accounts.flow.verify_totp(token, field(form, "code"), who.info())
                              : accounts.flow.use_recovery_code(token, recovery, who.info());
    switch (r.status) {
        case auth::login_status::signed_in: {
            if (!r.session) co_return failed(req, "no session after the second factor");
            auto res = redirect(req, "/");  // the printer's home page
            res.insert(http::field::set_cookie, set_cookie(ctx, lan_session_cookie, r.session->token));
            if (r.device_token)
                res.insert(http::field::set_cookie, set_cookie(ctx, lan_device_cookie, *r.device_token, "; Max-Age=31536000"));
            co_return res;
        }
        case auth::login_status::rejected:
            co_return second_factor_page(req, http::status::unauthorized, accounts.csrf_token(token), r.message);
        case auth::login_status::start_over: {
            auto res = redirect(req, lan_sign_in_path);
            res.insert(http::field::set_cookie, clear_cookie(ctx, lan_session_cookie));
            co_return res;
        }
        case auth::login_status::limited: co_return limited(req, r);
        case auth::login_status::busy: co_return busy(req);
        default: co_return failed(req, r.message);
    }
}

response signed_in_page(route_context& ctx, auth::account_service& accounts) {
    const auto token = cookie(ctx.req, lan_session_cookie);
    auto user = accounts.full_session(token, true);
    if (!user) return redirect(ctx.req, lan_sign_in_path);
    return page(ctx.req, http::status::ok, "Signed in",
                "<p>Signed in as " + common::html_escape(user->name) +
                    ". The API under /api/v1 and the WebSocket answer this browser now.</p>"
                    "<p><a href=\"/\">The printer</a></p>"
                    "<form method=\"post\" action=\"/lan/sign-out\">" +
                    hidden("csrf", accounts.csrf_token(token)) + "<p><button>Sign out</button></p></form>");
}

response post_sign_out(route_context& ctx, auth::account_service& accounts) {
    auto form = form_fields(ctx.req);
    const auto token = cookie(ctx.req, lan_session_cookie);
    if (!token.empty()) {
        if (!accounts.csrf_matches(token, field(form, "csrf")))
            return page(ctx.req, http::status::forbidden, "Form expired", message_line("Open the page again to sign out."));
        const auto who = client_of(ctx);
        if (auto done = accounts.flow.sign_out(token, who.info()); !done) return failed(ctx.req, done.message());
    }
    auto res = redirect(ctx.req, lan_sign_in_path);
    res.insert(http::field::set_cookie, clear_cookie(ctx, lan_session_cookie));
    return res;
}

}  // namespace

bool lan_signed_in(route_context& ctx) {
    auto* accounts = ctx.app.accounts();
    if (!accounts) return false;
    auto user = accounts->full_session(cookie(ctx.req, lan_session_cookie), true);
    if (!user) return false;
    ctx.user = user->name;
    return true;
}

response lan_refusal(const route_context& ctx) {
    if (ctx.path.rfind("/api", 0) == 0)
        return error_response(ctx.req, http::status::unauthorized,
                              "sign in at /lan/sign-in (a session cookie) or send a valid X-Api-Key");
    return redirect(ctx.req, lan_sign_in_path);
}

net::awaitable<response> serve_lan_page(route_context& ctx) {
    auto* accounts = ctx.app.accounts();
    const auto& req = ctx.req;
    if (!accounts) co_return error_response(req, http::status::not_found, "no such endpoint: " + ctx.path);
    const bool get = req.method() == http::verb::get;
    const bool post = req.method() == http::verb::post;
    if (!get && !post) co_return error_response(req, http::status::method_not_allowed, "GET or POST");
    if (post && !is_form(req))
        co_return error_response(req, http::status::unsupported_media_type, "a form (application/x-www-form-urlencoded)");
    if (ctx.path == lan_sign_in_path) {
        if (post) {
            auto res = co_await post_sign_in(ctx, *accounts);
            co_return res;
        }
        if (accounts->full_session(cookie(req, lan_session_cookie), false)) co_return redirect(req, "/");
        const auto form_token = auth::random_hex_token(accounts->sources().random);
        auto res = sign_in_page(req, http::status::ok, form_token, "");
        res.insert(http::field::set_cookie, set_cookie(ctx, lan_form_cookie, form_token, "; Max-Age=3600"));
        co_return res;
    }
    if (ctx.path == "/lan/second-factor") {
        if (post) {
            auto res = co_await post_second_factor(ctx, *accounts);
            co_return res;
        }
        const auto token = cookie(req, lan_session_cookie);
        auto session = accounts->sessions.find(token);
        if (token.empty() || !session || session->state != auth::session_state::password_ok)
            co_return redirect(req, lan_sign_in_path);
        co_return second_factor_page(req, http::status::ok, accounts->csrf_token(token), "");
    }
    if (ctx.path == "/lan/sign-out" && post) co_return post_sign_out(ctx, *accounts);
    if ((ctx.path == "/lan/" || ctx.path == "/lan") && get) co_return signed_in_page(ctx, *accounts);
    co_return error_response(req, http::status::not_found, "no such endpoint: " + ctx.path);
}

}  // namespace printgate::edge
