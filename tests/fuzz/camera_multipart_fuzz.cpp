// The multipart MJPEG parser and the Huffman-table insertion on untrusted bytes. The first
// input byte picks the split size and whether the boundary is given or learned, so the
// fuzzer explores split reads too. Invariants: no crash, part sizes within the limits, a
// failed parser stays failed, and a picture with tables inserted has tables.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <printgate/camera/jpeg.hpp>
#include <printgate/camera/multipart_parser.hpp>
#include <span>

using namespace printgate::camera;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::uint8_t control = data[0];
    std::span<const std::uint8_t> in(data + 1, size - 1);
    multipart_limits limits;
    limits.max_header_bytes = 512;
    limits.max_part_bytes = 4096;
    limits.max_preamble_bytes = 1024;
    multipart_parser parser((control & 0x80) ? "" : "B", limits);
    std::size_t piece = 1 + (control & 0x3f);
    multipart_error last = multipart_error::none;
    for (std::size_t i = 0; i < in.size(); i += piece) {
        auto n = std::min(piece, in.size() - i);
        auto e = parser.feed(in.subspan(i, n), [&](multipart_part&& part) {
            if (part.body.size() > limits.max_part_bytes) std::abort();
            auto fixed = with_huffman_tables(part.body);
            if (!fixed.empty() && has_huffman_tables(fixed) != true) std::abort();
        });
        if (last != multipart_error::none && e != last) std::abort();
        last = e;
    }
    auto fixed = with_huffman_tables(in);
    if (!fixed.empty() && fixed.size() < in.size()) std::abort();
    return 0;
}
