#include "printgate/edge/multipart_parser.hpp"

#include <algorithm>
#include <cctype>

namespace printgate::edge {

namespace {

// RFC 2046 bchars, without the space that may not end it (we refuse spaces entirely).
bool boundary_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("'()+_,-./:=?").find(c) != std::string_view::npos;
}

bool valid_boundary(std::string_view b) {
    return !b.empty() && b.size() <= 70 && std::all_of(b.begin(), b.end(), boundary_char);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

// Reads `token` or `"quoted string"` at the start of `s`; advances `s`.
std::optional<std::string> read_value(std::string_view& s) {
    s = trim(s);
    std::string out;
    if (!s.empty() && s.front() == '"') {
        s.remove_prefix(1);
        while (!s.empty() && s.front() != '"') {
            if (s.front() == '\\' && s.size() > 1) s.remove_prefix(1);
            out += s.front();
            s.remove_prefix(1);
        }
        if (s.empty()) return std::nullopt;  // unterminated
        s.remove_prefix(1);
        return out;
    }
    auto end = s.find(';');
    out = std::string(trim(s.substr(0, end)));
    s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
    return out;
}

// Splits "type; a=b; c="d"" into its parameters; calls f(name, value). False when malformed.
template <class F>
bool for_each_param(std::string_view s, F&& f) {
    auto semi = s.find(';');
    if (semi == std::string_view::npos) return true;
    s.remove_prefix(semi);
    while (!s.empty()) {
        if (s.front() != ';') return false;
        s.remove_prefix(1);
        s = trim(s);
        if (s.empty()) break;
        auto eq = s.find('=');
        if (eq == std::string_view::npos) return false;
        auto name = trim(s.substr(0, eq));
        s.remove_prefix(eq + 1);
        auto value = read_value(s);
        if (!value) return false;
        f(name, *value);
        s = trim(s);
    }
    return true;
}

}  // namespace

const char* to_string(multipart_error e) {
    switch (e) {
        case multipart_error::none: return "none";
        case multipart_error::bad_boundary: return "the multipart boundary is missing or invalid";
        case multipart_error::header_too_large: return "a multipart part header is too large";
        case multipart_error::too_many_parts: return "too many multipart parts";
        case multipart_error::preamble_too_large: return "the multipart preamble is too large";
        case multipart_error::malformed_header: return "a multipart part header is malformed";
        case multipart_error::not_form_data: return "a multipart part is not form-data with a name";
        case multipart_error::truncated: return "the multipart body ended before its closing boundary";
        case multipart_error::aborted: return "the upload was stopped";
    }
    return "?";
}

bool is_media_type(std::string_view content_type, std::string_view type) {
    return iequals(trim(content_type.substr(0, content_type.find(';'))), type);
}

std::optional<std::string> multipart_boundary(std::string_view content_type) {
    if (!is_media_type(content_type, "multipart/form-data")) return std::nullopt;
    std::optional<std::string> boundary;
    bool ok = for_each_param(content_type, [&](std::string_view name, const std::string& value) {
        if (iequals(name, "boundary")) boundary = value;
    });
    if (!ok || !boundary || !valid_boundary(*boundary)) return std::nullopt;
    return boundary;
}

multipart_parser::multipart_parser(std::string boundary, multipart_handler& handler, multipart_limits limits)
    : delimiter_("\r\n--" + boundary), handler_(handler), limits_(limits) {
    // The first delimiter may open the body without a CRLF before it: pretend one was there.
    buffer_ = "\r\n";
    if (!valid_boundary(boundary)) fail(multipart_error::bad_boundary);
}

multipart_error multipart_parser::fail(multipart_error e) {
    state_ = state::failed;
    error_ = e;
    buffer_.clear();
    return e;
}

multipart_error multipart_parser::feed(std::span<const char> bytes) {
    if (state_ == state::failed) return error_;
    if (state_ == state::done) return multipart_error::none;  // the epilogue is ignored
    buffer_.append(bytes.data(), bytes.size());
    while (step()) {
    }
    return error_;
}

multipart_error multipart_parser::finish() {
    if (state_ == state::failed) return error_;
    if (state_ != state::done) return fail(multipart_error::truncated);
    return multipart_error::none;
}

bool multipart_parser::step() {
    std::string_view buf(buffer_);
    switch (state_) {
        case state::preamble: {
            auto at = buf.find(delimiter_);
            if (at == std::string_view::npos) {
                // Keep what could be the start of the delimiter; the rest is preamble.
                const auto keep = std::min(buf.size(), delimiter_.size() - 1);
                preamble_seen_ += buf.size() - keep;
                buffer_.erase(0, buf.size() - keep);
                if (preamble_seen_ > limits_.max_preamble_bytes) fail(multipart_error::preamble_too_large);
                return false;
            }
            preamble_seen_ += at;
            if (preamble_seen_ > limits_.max_preamble_bytes) {
                fail(multipart_error::preamble_too_large);
                return false;
            }
            buffer_.erase(0, at + delimiter_.size());
            state_ = state::after_delimiter;
            return true;
        }
        case state::after_delimiter: {
            if (buf.size() < 2) return false;
            if (buf.substr(0, 2) == "--") {
                state_ = state::done;
                buffer_.clear();
                return false;
            }
            // Transport padding (spaces, tabs) may follow the delimiter, then CRLF.
            std::size_t i = 0;
            while (i < buf.size() && (buf[i] == ' ' || buf[i] == '\t')) ++i;
            if (i > 64) {
                fail(multipart_error::malformed_header);
                return false;
            }
            if (buf.size() < i + 2) return false;
            if (buf.substr(i, 2) != "\r\n") {
                fail(multipart_error::malformed_header);
                return false;
            }
            if (++parts_ > limits_.max_parts) {
                fail(multipart_error::too_many_parts);
                return false;
            }
            buffer_.erase(0, i + 2);
            state_ = state::headers;
            return true;
        }
        case state::headers: {
            std::size_t end = buf.substr(0, 2) == "\r\n" ? 0 : buf.find("\r\n\r\n");
            if (end == std::string_view::npos) {
                if (buf.size() > limits_.max_header_bytes) fail(multipart_error::header_too_large);
                return false;
            }
            if (end > limits_.max_header_bytes) {
                fail(multipart_error::header_too_large);
                return false;
            }
            if (!parse_headers(buf.substr(0, end))) return false;
            buffer_.erase(0, end == 0 ? 2 : end + 4);
            state_ = state::body;
            return true;
        }
        case state::body: {
            auto at = buf.find(delimiter_);
            const std::size_t emit = at != std::string_view::npos
                                         ? at
                                         : buf.size() - std::min(buf.size(), delimiter_.size() - 1);
            if (emit > 0 && !handler_.on_part_data(std::span<const char>(buf.data(), emit))) {
                fail(multipart_error::aborted);
                return false;
            }
            if (at == std::string_view::npos) {
                buffer_.erase(0, emit);
                return false;
            }
            if (!handler_.on_part_end()) {
                fail(multipart_error::aborted);
                return false;
            }
            buffer_.erase(0, at + delimiter_.size());
            state_ = state::after_delimiter;
            return true;
        }
        case state::done:
        case state::failed:
            return false;
    }
    return false;
}

bool multipart_parser::parse_headers(std::string_view block) {
    multipart_part part;
    bool form_data = false;
    while (!block.empty()) {
        auto eol = block.find("\r\n");
        auto line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
        auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            fail(multipart_error::malformed_header);
            return false;
        }
        auto name = trim(line.substr(0, colon));
        auto value = trim(line.substr(colon + 1));
        if (iequals(name, "Content-Disposition")) {
            auto semi = value.find(';');
            if (!iequals(trim(value.substr(0, semi)), "form-data")) {
                fail(multipart_error::not_form_data);
                return false;
            }
            bool have_name = false;
            const bool ok = for_each_param(value, [&](std::string_view key, const std::string& v) {
                if (iequals(key, "name")) {
                    part.name = v;
                    have_name = true;
                } else if (iequals(key, "filename")) {
                    part.filename = v;
                }
            });
            if (!ok) {
                fail(multipart_error::malformed_header);
                return false;
            }
            form_data = have_name;
        } else if (iequals(name, "Content-Type")) {
            part.content_type = std::string(value);
        }
    }
    if (!form_data) {
        fail(multipart_error::not_form_data);
        return false;
    }
    if (!handler_.on_part_begin(part)) {
        fail(multipart_error::aborted);
        return false;
    }
    return true;
}

}  // namespace printgate::edge
