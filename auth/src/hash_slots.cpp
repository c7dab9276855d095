#include "printgate/auth/hash_slots.hpp"

#include <cassert>

namespace printgate::auth {

hash_slots::permit::~permit() {
    if (owner_) owner_->release();
}

hash_slots::hash_slots(std::size_t max_running, std::size_t max_waiting)
    : max_running_(max_running == 0 ? 1 : max_running), max_waiting_(max_waiting) {}

std::optional<hash_slots::permit> hash_slots::acquire() {
    std::unique_lock lock(mutex_);
    if (waiting_ == 0 && running_ < max_running_) {
        ++running_;
        return permit(this);
    }
    if (waiting_ >= max_waiting_) {
        ++rejected_;
        return std::nullopt;
    }
    ++waiting_;
    const std::uint64_t ticket = next_ticket_++;
    cv_.wait(lock, [&] { return serving_ == ticket && running_ < max_running_; });
    --waiting_;
    ++serving_;
    ++running_;
    // The next in line may also fit if several slots came free at once.
    cv_.notify_all();
    return permit(this);
}

std::optional<hash_slots::permit> hash_slots::try_acquire() {
    std::lock_guard lock(mutex_);
    if (waiting_ == 0 && running_ < max_running_) {
        ++running_;
        return permit(this);
    }
    ++rejected_;
    return std::nullopt;
}

void hash_slots::release() {
    {
        std::lock_guard lock(mutex_);
        assert(running_ > 0);
        --running_;
    }
    cv_.notify_all();
}

std::size_t hash_slots::running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

std::size_t hash_slots::waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
}

std::uint64_t hash_slots::rejected() const {
    std::lock_guard lock(mutex_);
    return rejected_;
}

}  // namespace printgate::auth
