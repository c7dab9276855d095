// The pages of a signed-in account: overview, password change, sessions, audit log, API
// keys and sign-out. Each needs a full session; each form carries the session's CSRF token.
#include <printgate/auth/cookies.hpp>

#include "auth_pages.hpp"
#include "auth_pages_call.hpp"
#include "http_host.hpp"
#include "offline_page.hpp"
#include "return_target.hpp"

namespace printgate::relay {
namespace {

std::optional<std::int64_t> parse_id(std::string_view text) {
    if (text.empty() || text.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9') return std::nullopt;
        v = v * 10 + (ch - '0');
    }
    return v;
}

}  // namespace

http_reply auth_pages::account(call& c) {
    if (!c.user) return needs_sign_in();
    if (c.post) return html_page(405, "Method not allowed", "This page can only be read.");
    const auto csrf = auth_.csrf_token(c.session_token);
    return layout_page(
        200, "printgate relay",
        nav() + paragraph("Signed in as " + c.user->name + " (" + auth::to_string(c.user->role) + ").") +
            "<p>" + link("/printers", "Your printers") + ", or open one at " +
            html_escape(device_origin("NAME", zone_, port_of_host(c.request.host))) + "/.</p>\n" + form_open("/signout") +
            hidden_field("csrf", csrf) + "<button>Sign out</button></form>");
}

http_reply auth_pages::sign_out(call& c) {
    if (!c.post) return see_other("/");
    if (c.user && !auth_.csrf_matches(c.session_token, c.form.value("csrf"))) return bad_token();
    if (!c.session_token.empty()) (void)auth_.flow.sign_out(c.session_token, c.client());
    auto reply = see_other("/signin");
    reply.headers.emplace_back("Set-Cookie", auth::clear_session_cookie());
    return reply;
}

boost::asio::awaitable<http_reply> auth_pages::change_password(call& c) {
    if (!c.user) co_return needs_sign_in();
    const auto csrf = auth_.csrf_token(c.session_token);
    auto form_page = [&](unsigned status, std::string_view message, std::string_view token) {
        return layout_page(status, "Change password",
                           nav() + error_box(message) + form_open("/password") + hidden_field("csrf", token) +
                               "<label>Current password <input name=\"current\" type=\"password\" "
                               "autocomplete=\"current-password\" required></label>"
                               "<label>New password (at least 12 characters) <input name=\"password\" "
                               "type=\"password\" autocomplete=\"new-password\" required></label>"
                               "<label>New password again <input name=\"confirm\" type=\"password\" "
                               "autocomplete=\"new-password\" required></label>"
                               "<button>Change password</button></form>");
    };
    if (!c.post) co_return form_page(200, {}, csrf);
    if (!auth_.csrf_matches(c.session_token, c.form.value("csrf"))) co_return bad_token();
    auto typed = std::make_shared<typed_secrets>();
    typed->password = c.form.value("current");
    typed->next = c.form.value("password");
    typed->session_token = c.session_token;
    if (typed->next != c.form.value("confirm")) co_return form_page(400, "The two new passwords are not the same.", csrf);
    auto client = c.client();
    auto job = [this, typed, client] {
        return auth_.flow.change_password(typed->session_token, typed->password, typed->next, client);
    };
    auto pending = auth_.offload(std::move(job));  // no temporaries in co_await: see offload
    auto result = co_await std::move(pending);
    if (!result) co_return with_retry_after(form_page(503, "The relay is busy; try again.", csrf), std::chrono::seconds(1));
    auto& r = *result;
    switch (r.status) {
    case auth::login_status::signed_in: {
        auto page = layout_page(200, "Password changed", nav() + paragraph(r.message));
        page.headers.emplace_back("Set-Cookie", auth::session_cookie(r.session->token));
        co_return page;
    }
    case auth::login_status::rejected:
    case auth::login_status::refused: co_return form_page(r.status == auth::login_status::rejected ? 401 : 400, r.message, csrf);
    case auth::login_status::limited: co_return with_retry_after(form_page(429, r.message, csrf), r.retry_after);
    case auth::login_status::busy: co_return with_retry_after(form_page(503, r.message, csrf), std::chrono::seconds(1));
    case auth::login_status::start_over: co_return needs_sign_in();
    default: co_return form_page(500, r.message, csrf);
    }
}

http_reply auth_pages::sessions(call& c) {
    if (!c.user) return needs_sign_in();
    if (c.post) {
        if (c.path != "/sessions/revoke" || !auth_.csrf_matches(c.session_token, c.form.value("csrf")))
            return bad_token();
        auto id = parse_id(c.form.value("id"));
        if (!id) return html_page(400, "Bad request", "No session named.");
        if (auth_.sessions.revoke_by_id(c.user->user_id, *id)) {
            (void)auth_.audit.record({auth::audit_event::session_revoked, c.user->user_id, c.user->name, c.address,
                                      "session " + std::to_string(*id)});
        }
        if (*id == c.user->session.id) {
            auto reply = see_other("/signin");
            reply.headers.emplace_back("Set-Cookie", auth::clear_session_cookie());
            return reply;
        }
        return see_other("/sessions");
    }
    auto list = auth_.sessions.list(c.user->user_id);
    if (!list) return html_page(500, "Server error", "The sessions could not be read.");
    const auto csrf = auth_.csrf_token(c.session_token);
    std::string rows = "<table id=\"sessions\"><tr><th>Started</th><th>Last seen</th><th>Address</th>"
                       "<th>Browser</th><th></th></tr>";
    for (const auto& s : list.value()) {
        const bool current = s.id == c.user->session.id;
        rows += "<tr><td>" + format_utc_minute(s.created_at) + "</td><td>" + format_utc_minute(s.last_seen_at) +
                "</td><td>" + html_escape(s.client_address) + "</td><td>" + html_escape(s.user_agent) +
                (current ? " (this one)" : "") + "</td><td>" + form_open("/sessions/revoke", "inline") +
                hidden_field("csrf", csrf) + hidden_field("id", std::to_string(s.id)) +
                "<button>Sign out</button></form></td></tr>";
    }
    rows += "</table>";
    return layout_page(200, "Sessions", nav() + paragraph("Where this account is signed in.") + rows);
}

http_reply auth_pages::audit(call& c) {
    if (!c.user) return needs_sign_in();
    auth::audit_query q;
    if (c.user->role != auth::user_role::owner) q.user_id = c.user->user_id;
    if (auto before = parse_id(c.query.value("before"))) q.before_id = *before;
    q.limit = 100;
    auto entries = auth_.audit.query(q);
    if (!entries) return html_page(500, "Server error", "The audit log could not be read.");
    std::string rows = "<table id=\"audit\"><tr><th>When (UTC)</th><th>Event</th><th>User</th><th>Address</th>"
                       "<th>Detail</th></tr>";
    for (const auto& e : entries.value()) {
        rows += "<tr><td>" + format_utc_minute(e.at) + "</td><td>" + auth::to_string(e.event) + "</td><td>" +
                html_escape(e.user_name) + "</td><td>" + html_escape(e.client_address) + "</td><td>" +
                html_escape(e.detail) + "</td></tr>";
    }
    rows += "</table>";
    std::string more;
    if (entries->size() == q.limit) more = "<p>" + link("/audit?before=" + std::to_string(entries->back().id), "Older") + "</p>";
    return layout_page(200, "Audit log", nav() + rows + more);
}

http_reply auth_pages::api_keys(call& c) {
    if (!c.user) return needs_sign_in();
    const auto csrf = auth_.csrf_token(c.session_token);
    std::string shown;
    if (c.post) {
        if (!auth_.csrf_matches(c.session_token, c.form.value("csrf"))) return bad_token();
        if (c.path == "/api-keys/revoke") {
            auto id = parse_id(c.form.value("id"));
            if (id && auth_.api_keys.revoke(c.user->user_id, *id))
                (void)auth_.audit.record({auth::audit_event::api_key_revoked, c.user->user_id, c.user->name,
                                          c.address, "key " + std::to_string(*id)});
            return see_other("/api-keys");
        }
        std::string scope_list;
        for (auto s : c.form.all("scope")) scope_list += (scope_list.empty() ? "" : ",") + std::string(s);
        const auto scopes = auth::api_scopes::parse(scope_list);
        const auto device = c.form.value("device");
        if (!is_valid_label(device) || !scopes)
            return layout_page(400, "API keys", nav() + error_box("Name one printer (its name, like printer1) and "
                                                                  "at least one scope."));
        auto key = auth_.api_keys.create(c.user->user_id, device, *scopes, c.form.value("label").substr(0, 100));
        if (!key) return html_page(500, "Server error", key.message());
        (void)auth_.audit.record({auth::audit_event::api_key_created, c.user->user_id, c.user->name, c.address,
                                  std::string(device) + " " + scopes->to_string()});
        shown = "<p class=\"error\">Copy this key now: it is shown only once.</p><p><code class=\"secret\" "
                "id=\"api-key\">" + html_escape(key->key) + "</code></p>";
    }
    auto list = auth_.api_keys.list(c.user->user_id);
    if (!list) return html_page(500, "Server error", "The API keys could not be read.");
    std::string rows = "<table id=\"api-keys\"><tr><th>Key</th><th>Printer</th><th>Scopes</th><th>Label</th>"
                       "<th>Last used</th><th></th></tr>";
    for (const auto& k : list.value()) {
        if (k.revoked) continue;
        rows += "<tr><td>" + html_escape(k.prefix) + "</td><td>" + html_escape(k.device) + "</td><td>" +
                html_escape(k.scopes.to_string()) + "</td><td>" + html_escape(k.label) + "</td><td>" +
                (k.last_used_at ? format_utc_minute(*k.last_used_at) : std::string("never")) + "</td><td>" +
                form_open("/api-keys/revoke", "inline") + hidden_field("csrf", csrf) +
                hidden_field("id", std::to_string(k.id)) + "<button>Revoke</button></form></td></tr>";
    }
    rows += "</table>";
    return layout_page(
        200, "API keys",
        nav() + shown +
            paragraph("Programs such as a slicer send a key in the X-Api-Key header instead of signing in. A key "
                      "works for one printer and only for what its scopes allow.") +
            rows + "<h2>New key</h2>" + form_open("/api-keys") + hidden_field("csrf", csrf) +
            "<label>Printer name <input name=\"device\" required maxlength=\"63\"></label>"
            "<label><input type=\"checkbox\" name=\"scope\" value=\"read\" checked> read</label>"
            "<label><input type=\"checkbox\" name=\"scope\" value=\"upload\"> upload files</label>"
            "<label><input type=\"checkbox\" name=\"scope\" value=\"control\"> control the printer</label>"
            "<label>Label <input name=\"label\" maxlength=\"100\"></label><button>Create key</button></form>");
}

}  // namespace printgate::relay
