#include "auth_pages.hpp"

#include <printgate/auth/cookies.hpp>

#include "auth_pages_call.hpp"
#include "fetch_guard.hpp"

namespace printgate::relay {
namespace {

constexpr const char* busy_message = "The relay is busy; please try again in a moment.";

std::string cookie_value(const request_view& request, std::string_view name) {
    auto header = request.header("Cookie");
    if (!header) return {};
    auto value = auth::find_cookie(*header, name);
    return value ? std::move(value.value()) : std::string();
}

}  // namespace

auth_pages::auth_pages(auth_service& auth, std::string zone, const printer_sources* printers)
    : auth_(auth), zone_(std::move(zone)), printers_(printers), form_targets_("https://*." + zone_ + ":*") {}

http_reply auth_pages::finish(http_reply reply) const {
    reply.headers.emplace_back("Content-Security-Policy", content_security_policy(form_targets_));
    return reply;
}

boost::asio::awaitable<http_reply> auth_pages::handle(const request_view& request, std::string_view body,
                                                      const peer_info& peer) {
    call c(request, peer);
    c.post = request.method == "POST";
    if (!c.post && request.method != "GET" && request.method != "HEAD") {
        auto r = html_page(405, "Method not allowed", "The relay's pages are read with GET and sent with POST.");
        r.headers.emplace_back("Allow", "GET, HEAD, POST");
        co_return finish(std::move(r));
    }
    auto query = parse_form(query_of(request.target));
    if (!query.ok) co_return finish(html_page(400, "Bad request", query.error));
    c.query = std::move(query.fields);
    if (c.post) {
        if (auto why = cross_origin_refusal(request, origin_of_host(request.host), true))
            co_return finish(html_page(403, "Refused", *why));
        auto form = parse_form(body);
        if (!form.ok) co_return finish(html_page(400, "Bad request", form.error));
        c.form = std::move(form.fields);
    }
    c.address = peer.address.to_string();
    c.user_agent = std::string(request.header("User-Agent").value_or("").substr(0, 256));
    c.session_token = cookie_value(request, auth::session_cookie_name);
    c.device_token = cookie_value(request, auth::device_cookie_name);
    c.back = parse_return_target(c.query.value("device"), c.query.value("path"));
    c.user = auth_.full_session(c.session_token, true);
    auto reply = co_await route(c);
    co_return finish(std::move(reply));
}

boost::asio::awaitable<http_reply> auth_pages::route(call& c) {
    const auto p = c.path;
    if (p == "/setup") co_return co_await setup(c);
    if (p == "/signin") co_return co_await sign_in(c);
    if (p == "/second-factor") co_return second_factor(c);
    if (p == "/enroll") co_return enroll(c);
    if (p == "/continue") co_return continue_to_device(c);
    if (p == "/") co_return account(c);
    if (p == "/password") co_return co_await change_password(c);
    if (p == "/sessions" || p == "/sessions/revoke") co_return sessions(c);
    if (p == "/audit") co_return audit(c);
    if (p == "/api-keys" || p == "/api-keys/revoke") co_return api_keys(c);
    if (p == "/signout") co_return sign_out(c);
    if (p == "/printers" || p == "/printers/command") co_return printers(c);
    co_return html_page(404, "Not found", "The relay has no page at this address.");
}

// --- first-time set-up -------------------------------------------------------------------

boost::asio::awaitable<http_reply> auth_pages::setup(call& c) {
    const auto token = c.post ? c.form.value("token") : c.query.value("token");
    if (!auth_.setup_token_matches(token))
        co_return html_page(404, "Set-up link not valid",
                            "This set-up link does not work (any more). It works only until the owner account "
                            "exists, and only with the relay process that printed it. Sign in instead, or use "
                            "printgate-relay user add.");
    auto form_page = [&](unsigned status, std::string_view message) {
        return layout_page(status, "Create the owner account",
                           paragraph("This relay has no account yet. The first one is the owner: it can read the "
                                     "audit log of everyone and manage the relay.") +
                               error_box(message) + form_open("/setup") + hidden_field("token", token) +
                               "<label>User name <input name=\"name\" autocomplete=\"username\" required "
                               "maxlength=\"64\"></label>"
                               "<label>Password (at least 12 characters) <input name=\"password\" "
                               "type=\"password\" autocomplete=\"new-password\" required></label>"
                               "<label>Password again <input name=\"confirm\" type=\"password\" "
                               "autocomplete=\"new-password\" required></label>"
                               "<button>Create the owner account</button></form>");
    };
    if (!c.post) co_return form_page(200, {});
    auto typed = std::make_shared<typed_secrets>();
    typed->name = c.form.value("name");
    typed->password = c.form.value("password");
    if (typed->password != c.form.value("confirm")) co_return form_page(400, "The two passwords are not the same.");
    if (setup_running_.exchange(true)) co_return form_page(409, "The owner account is being created already.");
    auto client = c.client();
    auto job = [this, typed, client] {
        auth::result<auth::user_record> r = auth::error{auth::errc::conflict, "The owner account exists already."};
        if (auto count = auth_.users.count(); count && count.value() == 0)
            r = auth_.flow.create_account(typed->name, typed->password, auth::user_role::owner, client);
        return r;
    };
    auto pending = auth_.offload(std::move(job));  // no temporaries in co_await: see offload
    auto created = co_await std::move(pending);
    setup_running_ = false;
    if (!created) co_return with_retry_after(form_page(503, busy_message), std::chrono::seconds(1));
    if (!*created) {
        const auto code = created->code();
        if (code == auth::errc::busy) co_return with_retry_after(form_page(503, busy_message), std::chrono::seconds(1));
        if (code == auth::errc::storage) co_return form_page(500, "The account could not be stored.");
        co_return form_page(400, created->message());
    }
    auth_.close_setup();
    co_return sign_in_form(c, 200,
                           "The owner account " + typed->name + " exists now. Sign in with it to set up your "
                           "authenticator app.");
}

// --- sign in ----------------------------------------------------------------------------

http_reply auth_pages::sign_in_form(call& c, unsigned status, std::string_view message) {
    return layout_page(status, "Sign in",
                       (status == 200 && !message.empty() ? paragraph(message) : error_box(message)) +
                           form_open("/signin" + return_query(c.back)) +
                           "<label>User name <input name=\"name\" autocomplete=\"username\" required "
                           "autofocus></label>"
                           "<label>Password <input name=\"password\" type=\"password\" "
                           "autocomplete=\"current-password\" required></label>"
                           "<button>Sign in</button></form>");
}

boost::asio::awaitable<http_reply> auth_pages::sign_in(call& c) {
    if (!c.post) {
        if (c.user) co_return see_other(c.back ? "/continue" + return_query(c.back) : "/");
        co_return sign_in_form(c, 200, {});
    }
    ++auth_.sign_in_attempts;
    // A browser the account knows goes straight to the queue; the others share what is left
    // of it, and beyond that are told "busy" before any work.
    const bool known = auth_.is_known_device(c.form.value("name"), c.device_token);
    auto share = known ? std::optional<auth_service::unknown_sign_in>() : auth_.admit_unknown_sign_in();
    if (!known && !share) co_return with_retry_after(sign_in_form(c, 503, busy_message), std::chrono::seconds(1));
    auto typed = std::make_shared<typed_secrets>();
    typed->name = c.form.value("name");
    typed->password = c.form.value("password");
    auto client = c.client();
    auto job = [this, typed, client] { return auth_.flow.sign_in(typed->name, typed->password, client); };
    auto pending = auth_.offload(std::move(job));  // no temporaries in co_await: see offload
    auto result = co_await std::move(pending);
    if (!result) co_return with_retry_after(sign_in_form(c, 503, busy_message), std::chrono::seconds(1));
    auto& r = *result;
    switch (r.status) {
    case auth::login_status::second_factor_needed:
    case auth::login_status::enrollment_needed: {
        const bool enroll_next = r.status == auth::login_status::enrollment_needed;
        auto reply = see_other((enroll_next ? "/enroll" : "/second-factor") + return_query(c.back));
        reply.headers.emplace_back("Set-Cookie", auth::session_cookie(r.session->token));
        co_return reply;
    }
    case auth::login_status::rejected: co_return sign_in_form(c, 401, r.message);
    case auth::login_status::limited: co_return with_retry_after(sign_in_form(c, 429, r.message), r.retry_after);
    case auth::login_status::busy: co_return with_retry_after(sign_in_form(c, 503, busy_message), r.retry_after);
    default: co_return sign_in_form(c, 500, r.message.empty() ? "Something went wrong." : r.message);
    }
}

http_reply auth_pages::signed_in(call& c, auth::login_result& r) {
    auto reply = see_other(c.back ? "/continue" + return_query(c.back) : "/");
    reply.headers.emplace_back("Set-Cookie", auth::session_cookie(r.session->token));
    if (r.device_token) reply.headers.emplace_back("Set-Cookie", auth::device_cookie(*r.device_token));
    return reply;
}

http_reply auth_pages::second_factor(call& c) {
    auto form_page = [&](unsigned status, std::string_view message) {
        const auto action = "/second-factor" + return_query(c.back);
        return layout_page(status, "Second factor",
                           error_box(message) + form_open(action) +
                               "<label>Code from your authenticator app <input name=\"code\" "
                               "inputmode=\"numeric\" autocomplete=\"one-time-code\" required autofocus "
                               "maxlength=\"16\"></label><button>Verify</button></form>"
                               "<details><summary>Lost your authenticator app?</summary>" +
                               form_open(action) +
                               "<label>Recovery code <input name=\"recovery\" autocomplete=\"off\" required "
                               "maxlength=\"32\"></label><button>Use recovery code</button></form></details>");
    };
    if (!c.post) {
        auto session = auth_.sessions.find(c.session_token);
        if (!session || session->state != auth::session_state::password_ok)
            return see_other("/signin" + return_query(c.back));
        return form_page(200, {});
    }
    const auto client = c.client();
    auto r = c.form.get("recovery") ? auth_.flow.use_recovery_code(c.session_token, c.form.value("recovery"), client)
                                    : auth_.flow.verify_totp(c.session_token, c.form.value("code"), client);
    switch (r.status) {
    case auth::login_status::signed_in: return signed_in(c, r);
    case auth::login_status::rejected: return form_page(401, r.message);
    case auth::login_status::limited: return with_retry_after(form_page(429, r.message), r.retry_after);
    case auth::login_status::start_over: return see_other("/signin" + return_query(c.back));
    default: return form_page(500, r.message.empty() ? "Something went wrong." : r.message);
    }
}

http_reply auth_pages::enroll(call& c) {
    auto enrollment_page = [&](unsigned status, std::string_view message) {
        auto e = auth_.flow.begin_enrollment(c.session_token);
        if (!e) {
            if (e.code() == auth::errc::conflict) return see_other("/second-factor" + return_query(c.back));
            if (e.code() == auth::errc::storage) return html_page(500, "Server error", "Please try again.");
            return see_other("/signin" + return_query(c.back));
        }
        return layout_page(
            status, "Set up your authenticator app",
            paragraph("Every account signs in with a password and a code from an authenticator app. Scan this "
                      "QR code with the app (or type in the key below), then enter the code it shows.") +
                error_box(message) + "<div class=\"qr\">" + e->qr_svg + "</div>" +
                "<p>Key: <code class=\"secret\" id=\"totp-secret\">" + html_escape(e->secret_text) + "</code></p>" +
                form_open("/enroll" + return_query(c.back)) +
                "<label>Code from the app <input name=\"code\" inputmode=\"numeric\" "
                "autocomplete=\"one-time-code\" required autofocus maxlength=\"16\"></label>"
                "<button>Confirm</button></form>");
    };
    if (!c.post) return enrollment_page(200, {});
    auto r = auth_.flow.finish_enrollment(c.session_token, c.form.value("code"), c.client());
    switch (r.status) {
    case auth::login_status::signed_in: {
        std::string codes = "<ol class=\"codes\" id=\"recovery-codes\">";
        for (const auto& code : r.recovery_codes) codes += "<li>" + html_escape(code) + "</li>";
        codes += "</ol>";
        auto page = layout_page(
            200, "Your recovery codes",
            paragraph("Your authenticator app is set up. Keep these ten recovery codes somewhere safe, away from "
                      "your phone: each one signs you in once if you lose the app. They are shown only now.") +
                codes + "<p>" + link(c.back ? "/continue" + return_query(c.back) : "/", "Continue") + "</p>");
        page.headers.emplace_back("Set-Cookie", auth::session_cookie(r.session->token));
        if (r.device_token) page.headers.emplace_back("Set-Cookie", auth::device_cookie(*r.device_token));
        return page;
    }
    case auth::login_status::rejected:
        return enrollment_page(401, r.message + " A new key was made: scan this one instead.");
    case auth::login_status::limited: return with_retry_after(html_page(429, "Too many attempts", r.message), r.retry_after);
    case auth::login_status::start_over: return see_other("/signin" + return_query(c.back));
    default: return html_page(500, "Server error", r.message);
    }
}

http_reply auth_pages::continue_to_device(call& c) {
    if (!c.user) return see_other("/signin" + return_query(c.back));
    if (!c.back) return see_other("/");
    const auto ticket = auth_.tickets.issue({c.session_token, c.back->device, c.back->path});
    return see_other(device_origin(c.back->device, zone_, port_of_host(c.request.host)) + std::string(enter_path) +
                     "?ticket=" + ticket);
}

}  // namespace printgate::relay
