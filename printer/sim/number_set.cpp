#include "number_set.hpp"

#include <iterator>

namespace printgate::sim {

bool number_set::contains(long n) const {
    auto it = ranges_.upper_bound(n);
    if (it == ranges_.begin()) return false;
    --it;
    return n <= it->second;
}

void number_set::insert(long n) {
    if (contains(n)) return;
    auto next = ranges_.upper_bound(n);
    bool joins_prev = false;
    if (next != ranges_.begin()) {
        auto prev = std::prev(next);
        if (prev->second + 1 == n) {
            prev->second = n;
            joins_prev = true;
            if (next != ranges_.end() && next->first == n + 1) {
                prev->second = next->second;
                ranges_.erase(next);
            }
        }
    }
    if (joins_prev) return;
    if (next != ranges_.end() && next->first == n + 1) {
        const long last = next->second;
        ranges_.erase(next);
        ranges_.emplace(n, last);
        return;
    }
    ranges_.emplace(n, n);
}

}  // namespace printgate::sim
