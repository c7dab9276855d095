#include "printgate/edge/push_hub.hpp"

#include <algorithm>

namespace printgate::edge {

bool push_queue::drop_first_of(const std::string& topic) {
    auto it = std::find_if(items_.begin(), items_.end(), [&](const item& i) { return i.topic == topic; });
    if (it == items_.end()) return false;
    items_.erase(it);
    ++dropped_;
    return true;
}

void push_queue::push(const std::string& topic, std::string text) {
    if (topic == "temperatures") {
        auto it = std::find_if(items_.begin(), items_.end(), [&](const item& i) { return i.topic == topic; });
        if (it != items_.end()) {
            items_.erase(it);
            ++dropped_;
        }
    }
    if (items_.size() >= limit_) {
        if (!drop_first_of("temperatures") && !drop_first_of("terminal") && !drop_first_of("progress")) {
            items_.pop_front();
            ++dropped_;
        }
    }
    items_.push_back({topic, std::move(text)});
}

std::optional<std::string> push_queue::pop() {
    if (items_.empty()) return std::nullopt;
    auto text = std::move(items_.front().text);
    items_.pop_front();
    return text;
}

void push_hub::add(const std::shared_ptr<push_client>& client) { clients_.push_back(client); }

void push_hub::publish(const std::string& topic, const std::string& text) {
    std::erase_if(clients_, [](const std::weak_ptr<push_client>& w) { return w.expired(); });
    for (auto& w : clients_) {
        if (auto c = w.lock()) {
            if (c->wants && !c->wants(topic)) continue;
            c->queue.push(topic, text);
            if (c->wake) c->wake();
        }
    }
}

bool push_hub::wants(const std::string& topic) {
    for (auto& w : clients_)
        if (auto c = w.lock())
            if (!c->wants || c->wants(topic)) return true;
    return false;
}

std::size_t push_hub::clients() {
    std::erase_if(clients_, [](const std::weak_ptr<push_client>& w) { return w.expired(); });
    return clients_.size();
}

}  // namespace printgate::edge
