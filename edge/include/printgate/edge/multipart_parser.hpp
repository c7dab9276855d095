#pragma once
// A streaming multipart/form-data parser (RFC 7578 / RFC 2046) for uploads: bytes go in as
// they arrive, part bodies come out as they are found, nothing grows with the body's size.
// The input is untrusted: the boundary, each part's header block and the number of parts
// have hard limits, and every malformed input ends in an error value, never an exception.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace printgate::edge {

struct multipart_limits {
    std::size_t max_header_bytes = 8 * 1024;  // one part's header block
    std::size_t max_parts = 16;
    std::size_t max_preamble_bytes = 16 * 1024;
};

struct multipart_part {
    std::string name;          // form field name
    std::optional<std::string> filename;  // as sent (not sanitised)
    std::string content_type;  // "" when absent
};

enum class multipart_error {
    none,
    bad_boundary,      // missing, too long, or with characters RFC 2046 does not allow
    header_too_large,
    too_many_parts,
    preamble_too_large,
    malformed_header,  // a header line without ':' or a bad Content-Disposition
    not_form_data,     // a part without Content-Disposition: form-data; name=...
    truncated,         // the body ended before the closing boundary
    aborted,           // the handler asked to stop (a write failed, a field too long)
};
const char* to_string(multipart_error e);

// What the parser reports; return false from any of them to stop with `aborted`.
class multipart_handler {
public:
    virtual ~multipart_handler() = default;
    virtual bool on_part_begin(const multipart_part& part) = 0;
    virtual bool on_part_data(std::span<const char> bytes) = 0;
    virtual bool on_part_end() = 0;
};

// Whether a Content-Type header names `type` ("application/json; charset=utf-8" names
// "application/json"): parameters, surrounding blanks and letter case aside.
bool is_media_type(std::string_view content_type, std::string_view type);
// The boundary parameter of a Content-Type header ("multipart/form-data; boundary=xyz").
std::optional<std::string> multipart_boundary(std::string_view content_type);

class multipart_parser {
public:
    multipart_parser(std::string boundary, multipart_handler& handler, multipart_limits limits = {});

    // Any chunking. Returns the error that stopped the parser (it then ignores input).
    multipart_error feed(std::span<const char> bytes);
    // The body ended: `truncated` unless the closing boundary was seen.
    multipart_error finish();
    bool done() const { return state_ == state::done; }
    multipart_error error() const { return error_; }

private:
    enum class state { preamble, after_delimiter, headers, body, done, failed };
    bool step();  // false: needs more input (or stopped)
    bool parse_headers(std::string_view block);
    multipart_error fail(multipart_error e);

    std::string delimiter_;  // "\r\n--" + boundary
    multipart_handler& handler_;
    multipart_limits limits_;
    std::string buffer_;
    std::size_t preamble_seen_ = 0;
    std::size_t parts_ = 0;
    state state_ = state::preamble;
    multipart_error error_ = multipart_error::none;
};

}  // namespace printgate::edge
