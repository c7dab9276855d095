#pragma once
// application/x-www-form-urlencoded bodies and URL query strings, as the relay's pages
// receive them from browsers: untrusted bytes with hard limits, parsed into a value or a
// plain-words error, never an exception.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace printgate::relay {

struct form_limits {
    std::size_t max_bytes = 64 * 1024;
    std::size_t max_fields = 64;
    std::size_t max_name_bytes = 64;
    std::size_t max_value_bytes = 4096;
};

class form_fields {
public:
    // The first value of `name`, if any.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;
    // The first value of `name`, or "" when absent.
    [[nodiscard]] std::string_view value(std::string_view name) const;
    // Every value of `name` (checkbox groups), in order.
    [[nodiscard]] std::vector<std::string_view> all(std::string_view name) const;
    [[nodiscard]] std::size_t size() const { return fields_.size(); }

    void add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

struct form_result {
    bool ok = false;
    std::string error;  // when !ok: what was wrong, for logs and a 400 page
    form_fields fields;
};

// "a=1&b=x+y%21" -> {a: "1", b: "x y!"}. '+' is a space, %XX a byte; a bad escape, a
// name or value or count over the limits, or a NUL byte is an error. Empty pairs ("a=1&&b")
// are skipped; a pair without '=' is a name with an empty value.
form_result parse_form(std::string_view text, const form_limits& limits = {});

// The query of a request target ("/signin?device=x" -> "device=x"), "" without one.
std::string_view query_of(std::string_view target);
// The path of a request target, without the query.
std::string_view path_of(std::string_view target);

// Percent-encodes everything but RFC 3986's unreserved characters: for building query
// strings that parse_form reads back exactly.
std::string url_encode(std::string_view text);

}  // namespace printgate::relay
