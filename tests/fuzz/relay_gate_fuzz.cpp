// The parsers the login gate and the relay's pages run on untrusted browser input: form
// bodies and query strings, the way back to a printer (device + path), the Cookie header
// filter that keeps the relay's cookies from devices, and the same-origin check on Origin /
// Sec-Fetch-Site. Input: the bytes split at the first two NULs into three fields.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cookie_filter.hpp"
#include "fetch_guard.hpp"
#include "form.hpp"
#include "return_target.hpp"

using namespace printgate::relay;

namespace {

void check_form(std::string_view text) {
    form_limits limits;
    auto r = parse_form(text, limits);
    if (!r.ok) return;
    if (r.fields.size() > limits.max_fields) std::abort();
    // Whatever was read must survive a round trip through url_encode.
    std::string rebuilt;
    for (auto v : r.fields.all("a")) rebuilt += "a=" + url_encode(v) + "&";
    auto again = parse_form(rebuilt, {limits.max_bytes * 4, limits.max_fields, 64, limits.max_value_bytes});
    if (!again.ok || again.fields.all("a") != r.fields.all("a")) std::abort();
}

void check_return(std::string_view device, std::string_view path) {
    auto t = parse_return_target(device, path);
    if (!t) return;
    if (t->path.empty() || t->path[0] != '/' || (t->path.size() > 1 && (t->path[1] == '/' || t->path[1] == '\\')))
        std::abort();
    for (char c : t->path)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) std::abort();
    // The query the pages put it in reads back as the same target.
    auto q = parse_form(return_query(t).substr(1));
    if (!q.ok) std::abort();
    auto back = parse_return_target(q.fields.value("device"), q.fields.value("path"));
    if (!back || back->device != t->device || back->path != t->path) std::abort();
}

void check_cookies(std::string_view header) {
    const auto kept = without_relay_cookies(header);
    if (kept.size() > 2 * header.size()) std::abort();  // "; " may replace each ";"
    std::string_view rest = kept;
    while (!rest.empty()) {
        const auto semi = rest.find(';');
        auto pair = rest.substr(0, semi);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        if (is_relay_cookie(pair.substr(0, pair.find('=')))) std::abort();
        rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    }
}

void check_origin(std::string_view origin, std::string_view site) {
    const header_field fields[] = {{"Origin", origin}, {"Sec-Fetch-Site", site}};
    request_view v;
    v.method = "POST";
    v.target = "/";
    v.host = "printer1.localhost:8443";
    v.headers = fields;
    auto why = cross_origin_refusal(v, "https://printer1.localhost:8443");
    // Anything not naming this exact origin must be refused.
    if (!why && origin != "https://printer1.localhost:8443" && origin != "HTTPS://PRINTER1.LOCALHOST:8443") {
        std::string lowered;
        for (char c : origin) lowered.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        while (!lowered.empty() && (lowered.back() == ' ' || lowered.back() == '\t')) lowered.pop_back();
        std::size_t i = 0;
        while (i < lowered.size() && (lowered[i] == ' ' || lowered[i] == '\t')) ++i;
        if (lowered.substr(i) != "https://printer1.localhost:8443") std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const auto first = all.find('\0');
    const auto one = all.substr(0, first);
    const auto rest = first == std::string_view::npos ? std::string_view{} : all.substr(first + 1);
    const auto second = rest.find('\0');
    const auto two = rest.substr(0, second);
    const auto three = second == std::string_view::npos ? std::string_view{} : rest.substr(second + 1);
    check_form(all);
    check_form(one);
    check_return(one, two);
    check_cookies(all);
    check_cookies(three);
    check_origin(one, two);
    (void)three;
    return 0;
}
