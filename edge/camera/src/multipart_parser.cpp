#include <algorithm>
#include <charconv>
#include <printgate/camera/multipart_parser.hpp>

namespace printgate::camera {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool valid_boundary(std::string_view b, std::size_t max) {
    if (b.empty() || b.size() > max) return false;
    return std::all_of(b.begin(), b.end(), [](char c) { return c > 0x20 && c < 0x7f && c != '"'; });
}

}  // namespace

std::string_view to_string(multipart_error e) {
    switch (e) {
        case multipart_error::none:
            return "ok";
        case multipart_error::bad_boundary:
            return "bad multipart boundary";
        case multipart_error::preamble_too_long:
            return "no multipart boundary found";
        case multipart_error::header_too_large:
            return "part header too large";
        case multipart_error::bad_header:
            return "bad part header";
        case multipart_error::part_too_large:
            return "part too large";
        case multipart_error::ended:
            return "multipart stream ended";
    }
    return "?";
}

std::string_view multipart_part::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (iequals(k, name)) return v;
    return {};
}

std::optional<std::string> boundary_from_content_type(std::string_view ct) {
    auto semi = ct.find(';');
    if (semi == std::string_view::npos) return std::nullopt;
    auto params = ct.substr(semi + 1);
    while (!params.empty()) {
        auto next = params.find(';');
        auto item = trim(params.substr(0, next));
        auto eq = item.find('=');
        if (eq != std::string_view::npos && iequals(trim(item.substr(0, eq)), "boundary")) {
            auto v = trim(item.substr(eq + 1));
            if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
            // Some cameras announce "--B" and then also send "--B": the parser adds "--", so
            // drop a doubled one here.
            if (v.size() > 2 && v.substr(0, 2) == "--") v.remove_prefix(2);
            if (!valid_boundary(v, 70)) return std::nullopt;
            return std::string(v);
        }
        if (next == std::string_view::npos) break;
        params.remove_prefix(next + 1);
    }
    return std::nullopt;
}

multipart_parser::multipart_parser(std::string boundary, multipart_limits limits)
    : boundary_(std::move(boundary)), limits_(limits) {
    if (!boundary_.empty()) {
        if (!valid_boundary(boundary_, limits_.max_boundary_bytes)) error_ = multipart_error::bad_boundary;
        delimiter_ = "--" + boundary_;
    }
}

multipart_error multipart_parser::feed(std::string_view data, const part_handler& on_part) {
    return feed(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), on_part);
}

multipart_error multipart_parser::feed(std::span<const std::uint8_t> data, const part_handler& on_part) {
    if (error_ != multipart_error::none) return error_;
    buffer_.append(reinterpret_cast<const char*>(data.data()), data.size());
    for (;;) {
        bool progress = false;
        if (auto e = step(on_part, progress); e != multipart_error::none) return fail(e);
        if (!progress) return multipart_error::none;
    }
}

multipart_error multipart_parser::step(const part_handler& on_part, bool& progress) {
    switch (state_) {
        case state::boundary: {
            if (delimiter_.empty()) {
                // Learn the boundary from the first non-blank line, which must be "--B".
                auto start = buffer_.find_first_not_of("\r\n \t");
                if (start == std::string::npos) {
                    if (buffer_.size() > limits_.max_preamble_bytes) return multipart_error::preamble_too_long;
                    buffer_.clear();
                    return multipart_error::none;
                }
                auto nl = buffer_.find('\n', start);
                if (nl == std::string::npos) {
                    if (buffer_.size() - start > limits_.max_boundary_bytes + 4) return multipart_error::bad_boundary;
                    return multipart_error::none;
                }
                std::string_view line = trim(std::string_view(buffer_).substr(start, nl - start));
                if (line.size() < 3 || line.substr(0, 2) != "--") return multipart_error::bad_boundary;
                line.remove_prefix(2);
                if (!valid_boundary(line, limits_.max_boundary_bytes)) return multipart_error::bad_boundary;
                boundary_ = std::string(line);
                expected_ = 0;
                delimiter_ = "--" + boundary_;
                buffer_.erase(0, nl + 1);
                state_ = state::headers;
                part_ = {};
                progress = true;
                return multipart_error::none;
            }
            auto at = buffer_.find(delimiter_, scan_from_);
            if (at == std::string::npos) {
                if (buffer_.size() > limits_.max_preamble_bytes) return multipart_error::preamble_too_long;
                scan_from_ = buffer_.size() >= delimiter_.size() ? buffer_.size() - delimiter_.size() + 1 : 0;
                return multipart_error::none;
            }
            auto after = at + delimiter_.size();
            if (buffer_.size() < after + 2) return multipart_error::none;
            if (buffer_.compare(after, 2, "--") == 0) return multipart_error::ended;
            auto nl = buffer_.find('\n', after);
            if (nl == std::string::npos) {
                if (buffer_.size() - after > 256) return multipart_error::bad_boundary;
                return multipart_error::none;
            }
            // Only transport padding may follow the delimiter on its line.
            if (!trim(std::string_view(buffer_).substr(after, nl - after)).empty())
                return multipart_error::bad_boundary;
            buffer_.erase(0, nl + 1);
            scan_from_ = 0;
            state_ = state::headers;
            part_ = {};
            expected_ = 0;
            progress = true;
            return multipart_error::none;
        }
        case state::headers: {
            auto nl = buffer_.find('\n');
            if (nl == std::string::npos) {
                if (expected_ + buffer_.size() > limits_.max_header_bytes) return multipart_error::header_too_large;
                return multipart_error::none;
            }
            expected_ += nl + 1;  // header bytes so far
            if (expected_ > limits_.max_header_bytes) return multipart_error::header_too_large;
            std::string_view line = std::string_view(buffer_).substr(0, nl);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.empty()) {
                buffer_.erase(0, nl + 1);
                auto length = part_.header("Content-Length");
                if (length.empty()) {
                    state_ = state::body_scan;
                    scan_from_ = 0;
                } else {
                    std::size_t n = 0;
                    auto [p, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
                    if (ec != std::errc{} || p != length.data() + length.size()) return multipart_error::bad_header;
                    if (n > limits_.max_part_bytes) return multipart_error::part_too_large;
                    expected_ = n;
                    state_ = state::body_sized;
                }
                progress = true;
                return multipart_error::none;
            }
            auto colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return multipart_error::bad_header;
            part_.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                       std::string(trim(line.substr(colon + 1))));
            buffer_.erase(0, nl + 1);
            progress = true;
            return multipart_error::none;
        }
        case state::body_sized: {
            if (buffer_.size() < expected_) return multipart_error::none;
            part_.body.assign(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(expected_));
            buffer_.erase(0, expected_);
            ++parts_;
            on_part(std::move(part_));
            part_ = {};
            state_ = state::boundary;
            scan_from_ = 0;
            progress = true;
            return multipart_error::none;
        }
        case state::body_scan: {
            std::string needle = "\n" + delimiter_;
            auto at = buffer_.find(needle, scan_from_);
            if (at == std::string::npos) {
                if (buffer_.size() > limits_.max_part_bytes + needle.size() + 1) return multipart_error::part_too_large;
                scan_from_ = buffer_.size() >= needle.size() ? buffer_.size() - needle.size() + 1 : 0;
                return multipart_error::none;
            }
            auto end = (at > 0 && buffer_[at - 1] == '\r') ? at - 1 : at;
            if (end > limits_.max_part_bytes) return multipart_error::part_too_large;
            part_.body.assign(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(end));
            buffer_.erase(0, at + 1);  // the delimiter stays for the boundary state
            ++parts_;
            on_part(std::move(part_));
            part_ = {};
            state_ = state::boundary;
            scan_from_ = 0;
            progress = true;
            return multipart_error::none;
        }
    }
    return multipart_error::none;
}

}  // namespace printgate::camera
