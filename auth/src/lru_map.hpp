#pragma once
// A map with a hard size cap that forgets the least recently used entry to make room:
// the rate limiter's tables must not grow with the number of addresses an attacker has.
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace printgate::auth::detail {

template <class V>
class lru_map {
public:
    explicit lru_map(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

    // The entry for key, created with V{} if missing; it becomes the most recently used.
    V& get(const std::string& key) {
        auto it = index_.find(key);
        if (it != index_.end()) {
            order_.splice(order_.begin(), order_, it->second);
            return it->second->second;
        }
        if (index_.size() >= capacity_) {
            index_.erase(order_.back().first);
            order_.pop_back();
        }
        order_.emplace_front(key, V{});
        index_.emplace(key, order_.begin());
        return order_.front().second;
    }

    V* find(const std::string& key) {
        auto it = index_.find(key);
        return it == index_.end() ? nullptr : &it->second->second;
    }

    void erase(const std::string& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return;
        order_.erase(it->second);
        index_.erase(it);
    }

    std::size_t size() const { return index_.size(); }

private:
    using entry = std::pair<std::string, V>;
    std::size_t capacity_;
    std::list<entry> order_;  // front: most recently used
    std::unordered_map<std::string, typename std::list<entry>::iterator> index_;
};

}  // namespace printgate::auth::detail
