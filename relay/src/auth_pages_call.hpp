#pragma once
// Private to auth_pages*.cpp: one request to the relay's pages, parsed once, and the small
// reply builders the pages share.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <printgate/auth/login_flow.hpp>
#include <printgate/auth/secret_bytes.hpp>

#include "auth_pages.hpp"
#include "gate.hpp"
#include "page_layout.hpp"

namespace printgate::relay {

struct auth_pages::call {
    call(const request_view& r, const peer_info& p) : request(r), peer(p), path(path_of(r.target)) {}

    const request_view& request;
    const peer_info& peer;
    std::string_view path;
    bool post = false;
    form_fields query;
    form_fields form;             // the POST body
    std::string address;          // the peer's address as text (never from headers)
    std::string user_agent;
    std::string session_token;    // __Host-printgate, if sent
    std::string device_token;     // __Host-printgate-device, if sent
    std::optional<return_target> back;   // the printer page to return to
    std::optional<signed_in_user> user;  // a full session on this browser

    auth::client_info client() const { return {address, user_agent, device_token}; }
};

// What a person typed that is on its way to the worker pool (auth_service::offload): held
// by a shared_ptr, wiped when the last holder lets go.
struct typed_secrets {
    std::string name;
    std::string password;
    std::string next;
    std::string session_token;
    ~typed_secrets() {
        auth::wipe(password);
        auth::wipe(next);
        auth::wipe(session_token);
    }
};

inline http_reply with_retry_after(http_reply r, std::chrono::seconds after) {
    r.headers.emplace_back("Retry-After", std::to_string(after.count() > 0 ? after.count() : 1));
    return r;
}

// The links at the top of every account page.
inline std::string nav() {
    return "<nav>" + link("/", "Account") + link("/printers", "Printers") + link("/password", "Password") +
           link("/sessions", "Sessions") + link("/audit", "Audit log") + link("/api-keys", "API keys") + "</nav>\n";
}

inline http_reply needs_sign_in() { return see_other("/signin"); }

inline http_reply bad_token() {
    return html_page(403, "Refused", "This form is out of date or did not come from this relay. Reload the page "
                                     "and try again.");
}

inline std::string form_open(std::string_view action, std::string_view css_class = {}) {
    std::string out = "<form method=\"post\" action=\"" + html_escape(action) + "\"";
    if (!css_class.empty()) out += " class=\"" + html_escape(css_class) + "\"";
    return out + ">";
}

}  // namespace printgate::relay
