#include "proxy_websocket_frames.hpp"

namespace printgate::relay {

void websocket_frame_tracker::consume(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        if (payload_left_ > 0) {
            const auto n = payload_left_ < bytes.size() ? static_cast<std::size_t>(payload_left_)
                                                        : bytes.size();
            payload_left_ -= n;
            bytes = bytes.subspan(n);
            continue;
        }
        header_[header_have_++] = bytes.front();
        bytes = bytes.subspan(1);
        if (header_have_ == 2) {
            const std::uint8_t len7 = header_[1] & 0x7f;
            const bool masked = (header_[1] & 0x80) != 0;
            header_need_ = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
        }
        if (header_have_ < 2 || header_have_ < header_need_) continue;

        const std::uint8_t len7 = header_[1] & 0x7f;
        std::uint64_t length = len7;
        if (len7 == 126) {
            length = (std::uint64_t{header_[2]} << 8) | header_[3];
        } else if (len7 == 127) {
            length = 0;
            for (int i = 0; i < 8; ++i) length = (length << 8) | header_[2 + i];
        }
        payload_left_ = length;
        header_have_ = 0;
        header_need_ = 2;
        ++frames_;
    }
}

}  // namespace printgate::relay
