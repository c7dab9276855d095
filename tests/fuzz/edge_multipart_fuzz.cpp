// The upload parser: any bytes, split at a point the input chooses, never crash, never
// hand out more part bytes than came in, and stop with an error value when malformed.
#include "printgate/edge/multipart_parser.hpp"

#include <cstdint>
#include <cstdlib>

namespace {

struct counter final : printgate::edge::multipart_handler {
    std::size_t bytes = 0, parts = 0;
    bool on_part_begin(const printgate::edge::multipart_part&) override { return ++parts <= 8; }
    bool on_part_data(std::span<const char> b) override {
        bytes += b.size();
        return true;
    }
    bool on_part_end() override { return true; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t split = data[0] % 64 + 1;
    const char* p = reinterpret_cast<const char*>(data + 1);
    const std::size_t n = size - 1;
    counter c;
    printgate::edge::multipart_parser parser("XyZ", c, {.max_header_bytes = 256, .max_parts = 8, .max_preamble_bytes = 512});
    for (std::size_t i = 0; i < n; i += split) {
        const auto len = std::min(split, n - i);
        if (parser.feed(std::span<const char>(p + i, len)) != printgate::edge::multipart_error::none) break;
    }
    parser.finish();
    if (c.bytes > n) std::abort();
    (void)printgate::edge::multipart_boundary(std::string_view(p, n));
    return 0;
}
