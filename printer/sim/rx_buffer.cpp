#include "rx_buffer.hpp"

namespace printgate::sim {

bool rx_buffer::push(char c) {
    if (size_ == ring_.size()) return false;
    ring_[(head_ + size_) % ring_.size()] = c;
    ++size_;
    return true;
}

std::optional<char> rx_buffer::pop() {
    if (size_ == 0) return std::nullopt;
    const char c = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    --size_;
    return c;
}

}  // namespace printgate::sim
