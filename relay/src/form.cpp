#include "form.hpp"

namespace printgate::relay {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes one name or value; false for a bad escape, a NUL, or more than `limit` bytes.
bool decode(std::string_view in, std::size_t limit, std::string& out) {
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            if (i + 2 >= in.size()) return false;
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return false;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0') return false;
        if (out.size() >= limit) return false;
        out.push_back(c);
    }
    return true;
}

}  // namespace

std::optional<std::string_view> form_fields::get(std::string_view name) const {
    for (const auto& [n, v] : fields_)
        if (n == name) return std::string_view(v);
    return std::nullopt;
}

std::string_view form_fields::value(std::string_view name) const {
    auto v = get(name);
    return v ? *v : std::string_view{};
}

std::vector<std::string_view> form_fields::all(std::string_view name) const {
    std::vector<std::string_view> out;
    for (const auto& [n, v] : fields_)
        if (n == name) out.emplace_back(v);
    return out;
}

form_result parse_form(std::string_view text, const form_limits& limits) {
    form_result result;
    if (text.size() > limits.max_bytes) {
        result.error = "form too large";
        return result;
    }
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('&', start);
        if (end == std::string_view::npos) end = text.size();
        const auto pair = text.substr(start, end - start);
        start = end + 1;
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        const auto raw_name = pair.substr(0, eq);
        const auto raw_value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        std::string name, value;
        if (!decode(raw_name, limits.max_name_bytes, name)) {
            result.error = "bad field name";
            return result;
        }
        if (!decode(raw_value, limits.max_value_bytes, value)) {
            result.error = "bad or too long value for field '" + name + "'";
            return result;
        }
        if (result.fields.size() >= limits.max_fields) {
            result.error = "too many fields";
            return result;
        }
        result.fields.add(std::move(name), std::move(value));
    }
    result.ok = true;
    return result;
}

std::string_view query_of(std::string_view target) {
    const auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::string url_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

}  // namespace printgate::relay
