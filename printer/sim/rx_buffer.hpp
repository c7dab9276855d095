#pragma once
// The UART receive ring of the board: fixed size, and a byte that arrives while it is full
// is simply lost, which is what makes flow control the host's job.
#include <cstdint>
#include <optional>
#include <vector>

namespace printgate::sim {

class rx_buffer {
public:
    explicit rx_buffer(std::size_t capacity) : ring_(capacity) {}

    // False when the ring was full and the byte is dropped.
    bool push(char c);
    std::optional<char> pop();
    std::size_t size() const { return size_; }
    std::size_t capacity() const { return ring_.size(); }
    bool empty() const { return size_ == 0; }
    void clear() { head_ = size_ = 0; }

private:
    std::vector<char> ring_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace printgate::sim
