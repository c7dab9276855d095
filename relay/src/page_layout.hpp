#pragma once
// The look of every page the relay writes itself (sign-in, account pages, error pages) and
// the security headers that go with it: one stylesheet, inline, allowed by its hash in a
// strict Content-Security-Policy (no script at all, no framing, forms only to the relay).
#include <string>
#include <string_view>

#include "http_reply.hpp"

namespace printgate::relay {

// The stylesheet every relay page carries in a <style> element.
std::string_view page_style();

// Content-Security-Policy for relay pages. `form_targets` are extra form-action sources
// (the zone's device hosts, where a sign-in may end), e.g. "https://*.localhost:*".
std::string content_security_policy(std::string_view form_targets = {});

// A complete page: `title` is plain text (escaped here), `body_html` is already HTML.
http_reply layout_page(unsigned status, std::string_view title, std::string_view body_html);

// Small HTML builders; every argument named `text` is escaped.
std::string paragraph(std::string_view text);
std::string error_box(std::string_view text);  // "" for empty text
std::string link(std::string_view href, std::string_view text);
std::string hidden_field(std::string_view name, std::string_view value);

}  // namespace printgate::relay
