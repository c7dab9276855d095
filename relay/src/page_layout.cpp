#include "page_layout.hpp"

#include <openssl/evp.h>

namespace printgate::relay {

std::string_view page_style() {
    return "body{font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}"
           "h1{font-size:1.4em}label{display:block;margin:.8em 0}input{display:block;font-size:1em;"
           "padding:.3em;width:100%;max-width:24em;box-sizing:border-box}input[type=checkbox]"
           "{display:inline;width:auto}button{font-size:1em;padding:.4em 1.2em;margin:.4em 0}"
           ".error{color:#a00;font-weight:bold}.codes,.secret{font-family:monospace;font-size:1.2em}"
           "table{border-collapse:collapse}td,th{padding:.2em .6em;text-align:left;border-bottom:1px solid #ddd}"
           "nav a{margin-right:1em}form.inline{display:inline}";
}

namespace {

std::string style_hash() {
    const auto css = page_style();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(css.data(), css.size(), digest, &len, EVP_sha256(), nullptr) != 1) return {};
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    const int n = EVP_EncodeBlock(b64, digest, static_cast<int>(len));
    return "'sha256-" + std::string(reinterpret_cast<const char*>(b64), static_cast<std::size_t>(n)) + "'";
}

}  // namespace

std::string content_security_policy(std::string_view form_targets) {
    static const std::string style_source = style_hash();
    std::string csp = "default-src 'none'; style-src " + style_source +
                      "; img-src data:; form-action 'self'";
    if (!form_targets.empty()) csp += " " + std::string(form_targets);
    csp += "; frame-ancestors 'none'; base-uri 'none'";
    return csp;
}

http_reply layout_page(unsigned status, std::string_view title, std::string_view body_html) {
    http_reply reply;
    reply.status = status;
    const auto t = html_escape(title);
    reply.body = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                 "<title>" + t + "</title><style>" + std::string(page_style()) + "</style></head>\n<body><h1>" + t +
                 "</h1>\n" + std::string(body_html) + "\n<p><small>printgate relay</small></p></body></html>\n";
    return reply;
}

std::string paragraph(std::string_view text) { return "<p>" + html_escape(text) + "</p>\n"; }

std::string error_box(std::string_view text) {
    if (text.empty()) return {};
    return "<p class=\"error\" role=\"alert\">" + html_escape(text) + "</p>\n";
}

std::string link(std::string_view href, std::string_view text) {
    return "<a href=\"" + html_escape(href) + "\">" + html_escape(text) + "</a>";
}

std::string hidden_field(std::string_view name, std::string_view value) {
    return "<input type=\"hidden\" name=\"" + html_escape(name) + "\" value=\"" + html_escape(value) + "\">";
}

}  // namespace printgate::relay
