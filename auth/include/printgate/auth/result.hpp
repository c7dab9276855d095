#pragma once
// A value or an error that says what went wrong in plain words. GCC 12 has no
// std::expected; this is the small subset of it that auth/ needs.
#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace printgate::auth {

enum class errc {
    malformed,       // input that does not parse (bad PHC string, bad code, bad cookie)
    too_large,       // input over a hard size limit
    busy,            // the hashing queue is full: try again shortly
    wrong_secret,    // password, code or key did not match
    replayed,        // a TOTP step at or below the last accepted one
    expired,         // session or code past its lifetime
    not_found,       // no such user, session, key
    conflict,        // e.g. user name already taken
    weak_password,   // rejected by the password policy
    permission,      // unsafe file permissions or ownership
    io,              // file system error
    storage,         // SQLite error
    crypto,          // a library call that should not fail did
};

struct error {
    errc code;
    std::string message;
};

template <class T>
class result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(error e) : v_(std::in_place_index<1>, std::move(e)) {}
    result(errc code, std::string message) : v_(std::in_place_index<1>, error{code, std::move(message)}) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const error& err() const { assert(!ok()); return std::get<1>(v_); }
    errc code() const { return err().code; }
    const std::string& message() const { return err().message; }

private:
    std::variant<T, error> v_;
};

template <>
class result<void> {
public:
    result() = default;
    result(error e) : e_(std::move(e)) {}
    result(errc code, std::string message) : e_(error{code, std::move(message)}) {}

    bool ok() const { return !e_.has_value(); }
    explicit operator bool() const { return ok(); }
    const error& err() const { assert(!ok()); return *e_; }
    errc code() const { return err().code; }
    const std::string& message() const { return err().message; }

private:
    std::optional<error> e_;
};

}  // namespace printgate::auth
