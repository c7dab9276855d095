#pragma once
// A value or a plain-words error (with OpenSSL's reason where OpenSSL failed). GCC 12 has no
// std::expected; this is the small subset that tunnel/'s identity, TLS and pairing code need.
#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace printgate::tunnel {

struct identity_error {
    std::string message;
};

template <class T>
class identity_result {
public:
    // An error "no result" (co_spawn needs a default-constructible result).
    identity_result() : v_(std::in_place_index<1>, identity_error{"no result"}) {}
    identity_result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    identity_result(identity_error f) : v_(std::in_place_index<1>, std::move(f)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const std::string& message() const { assert(!ok()); return std::get<1>(v_).message; }

private:
    std::variant<T, identity_error> v_;
};

template <>
class identity_result<void> {
public:
    identity_result() = default;
    identity_result(identity_error f) : f_(std::move(f)) {}

    bool ok() const { return !f_.has_value(); }
    explicit operator bool() const { return ok(); }
    const std::string& message() const { assert(!ok()); return f_->message; }

private:
    std::optional<identity_error> f_;
};

}  // namespace printgate::tunnel
