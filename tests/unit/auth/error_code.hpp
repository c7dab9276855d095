#pragma once
// EXPECT_EQ(code_of(r), errc::x) fails with a message when r holds a value, where
// r.code() would stop the test binary on result's assertion.
#include <optional>

#include "printgate/auth/result.hpp"

namespace printgate::auth::test {

template <class R>
std::optional<errc> code_of(const R& r) {
    if (r.ok()) return std::nullopt;
    return r.code();
}

}  // namespace printgate::auth::test
