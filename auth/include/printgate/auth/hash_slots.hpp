#pragma once
// A cap on concurrent Argon2 work. Each hash takes tens of MiB and a core for tens of ms,
// so a flood of login attempts must not start them all at once. Up to `max_running` run;
// up to `max_waiting` more wait their turn (FIFO); anyone beyond that is told "busy" at
// once, so memory and threads stay bounded whatever arrives.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

namespace printgate::auth {

class hash_slots {
public:
    // Held while hashing; the slot is returned when it goes away.
    class permit {
    public:
        permit(permit&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
        permit& operator=(permit&&) = delete;
        permit(const permit&) = delete;
        ~permit();

    private:
        friend class hash_slots;
        explicit permit(hash_slots* owner) : owner_(owner) {}
        hash_slots* owner_;
    };

    hash_slots(std::size_t max_running, std::size_t max_waiting);
    hash_slots(const hash_slots&) = delete;
    hash_slots& operator=(const hash_slots&) = delete;

    // Blocks while all slots run and there is room in the queue; nothing if the queue is full.
    std::optional<permit> acquire();
    // Never blocks: nothing if no slot is free right now.
    std::optional<permit> try_acquire();

    std::size_t running() const;
    std::size_t waiting() const;
    std::uint64_t rejected() const;

private:
    void release();

    const std::size_t max_running_;
    const std::size_t max_waiting_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t running_ = 0;
    std::size_t waiting_ = 0;
    std::uint64_t next_ticket_ = 0;  // FIFO: waiters are served in arrival order
    std::uint64_t serving_ = 0;
    std::uint64_t rejected_ = 0;
};

}  // namespace printgate::auth
