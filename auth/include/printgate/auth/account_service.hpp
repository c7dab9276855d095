#pragma once
// Everything a sign-in front end (the relay's pages, the edge's LAN listener) needs from
// printgate::auth, opened once from a state directory (auth.db, auth.key) and shared by the
// gate, the sign-in pages and the admin commands: the stores, the hasher, the limiter, the
// login flow, the one-time set-up token, a per-session anti-CSRF value, and a small worker
// pool that runs Argon2 off the I/O thread.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "printgate/auth/api_key_store.hpp"
#include "printgate/auth/audit_log.hpp"
#include "printgate/auth/database.hpp"
#include "printgate/auth/known_devices.hpp"
#include "printgate/auth/login_flow.hpp"
#include "printgate/auth/login_limiter.hpp"
#include "printgate/auth/password_hasher.hpp"
#include "printgate/auth/password_policy.hpp"
#include "printgate/auth/recovery_codes.hpp"
#include "printgate/auth/secret_box_key.hpp"
#include "printgate/auth/session_store.hpp"
#include "printgate/auth/user_store.hpp"
#include "printgate/common/clock.hpp"

namespace printgate::auth {

struct account_settings {
    std::string zone = "localhost";  // the host name: a context word for passwords
    argon2_params argon2;
    hasher_limits hashing;
    login_limiter_config limits;
    session_config sessions;
    // Sign-in and password-change jobs waiting for the worker pool; more get 503 at once.
    std::size_t max_queued_jobs = 256;
};

struct account_sources {
    const wall_clock& wall = system_wall_clock::instance();
    const printgate::clock& steady = printgate::steady_clock_source::instance();
    random_source& random = system_random_source::instance();
};

// A full session (both factors) of an enabled account.
struct signed_in_user {
    std::int64_t user_id = 0;
    std::string name;
    user_role role = user_role::user;
    session_info session;
};

class account_service {
public:
    static constexpr const char* database_file = "auth.db";
    static constexpr const char* key_file = "auth.key";

    // Opens (or creates) state_dir/auth.db and state_dir/auth.key.
    static result<std::unique_ptr<account_service>> open(const std::filesystem::path& state_dir,
                                                         account_settings settings, account_sources sources = {});
    virtual ~account_service();
    account_service(const account_service&) = delete;
    account_service& operator=(const account_service&) = delete;

    // The session behind a session cookie value, if it is full and its account
    // enabled. `activity`: the request counts against the idle timeout.
    std::optional<signed_in_user> full_session(std::string_view token, bool activity);

    // First start: while there is no account, a one-time token for the set-up page.
    // Nothing when accounts exist.
    std::optional<std::string> open_setup();
    bool setup_token_matches(std::string_view token) const;
    void close_setup();

    // A per-session anti-CSRF value for the forms (HMAC of the session id).
    std::string csrf_token(std::string_view session_token) const;
    bool csrf_matches(std::string_view session_token, std::string_view presented) const;

    // Runs `job` on the worker pool and resumes on the caller's executor. Nothing when too
    // many jobs are queued already (the caller answers 503). Call it outside the co_await
    // expression and await the named result: GCC 12 copies a lambda temporary that sits
    // inside a co_await expression byte by byte, which broke both a captured short
    // std::string and a captured shared_ptr's count (seen under ASan).
    template <class F>
    boost::asio::awaitable<std::optional<std::invoke_result_t<F&>>> offload(F job) {
        using R = std::invoke_result_t<F&>;
        if (queued_.fetch_add(1) >= settings_.max_queued_jobs) {
            --queued_;
            return nothing<R>();
        }
        // Wrapped in an optional: co_spawn wants a default-constructible result.
        return boost::asio::co_spawn(
            pool_.get_executor(),
            [this, job = std::move(job)]() mutable -> boost::asio::awaitable<std::optional<R>> {
                struct release {
                    std::atomic<std::size_t>& n;
                    ~release() { --n; }
                } guard{queued_};
                co_return std::optional<R>(job());
            },
            boost::asio::use_awaitable);
    }

    const account_settings& settings() const { return settings_; }
    const account_sources& sources() const { return sources_; }

    std::unique_ptr<database> db;
    secret_box_key key;
    user_store users;
    session_store sessions;
    known_devices devices;
    recovery_codes recovery;
    audit_log audit;
    api_key_store api_keys;
    password_hasher hasher;
    password_policy policy;
    login_limiter limiter;
    login_flow flow;

    // For the login bench and the stats line: sign-in forms received.
    std::atomic<std::uint64_t> sign_in_attempts{0};

    // Sign-ins from browsers that are not a known device of the account they name may hold
    // at most as many hash jobs at once as hash_slots runs; the rest of its queue is kept
    // for known devices, so that a flood of guesses cannot queue the owner out. A guard on
    // success, nothing when the share is used up (the caller answers 503).
    struct unknown_sign_in {
        std::atomic<std::size_t>* count;
        ~unknown_sign_in() {
            if (count) --*count;
        }
        unknown_sign_in(std::atomic<std::size_t>* c) : count(c) {}
        unknown_sign_in(unknown_sign_in&& o) noexcept : count(o.count) { o.count = nullptr; }
        unknown_sign_in& operator=(unknown_sign_in&& o) noexcept {
            if (this != &o) {
                if (count) --*count;
                count = o.count;
                o.count = nullptr;
            }
            return *this;
        }
        unknown_sign_in(const unknown_sign_in&) = delete;
    };
    std::optional<unknown_sign_in> admit_unknown_sign_in();
    // True when `device_token` is a known device of the account called `name`.
    bool is_known_device(std::string_view name, std::string_view device_token);

protected:
    // What open() reads from the state directory, for classes that derive from this one.
    struct opened_files {
        std::unique_ptr<database> db;
        secret_box_key key;
    };
    static result<opened_files> open_files(const std::filesystem::path& state_dir, random_source& random);
    account_service(opened_files files, account_settings settings, account_sources sources);

private:
    template <class R>
    static boost::asio::awaitable<std::optional<R>> nothing() {
        co_return std::nullopt;
    }

    account_settings settings_;
    account_sources sources_;
    secret_bytes csrf_key_;
    mutable std::mutex setup_mutex_;
    std::string setup_token_;
    std::atomic<std::size_t> queued_{0};
    std::atomic<std::size_t> unknown_sign_ins_{0};
    boost::asio::thread_pool pool_;
};

}  // namespace printgate::auth
