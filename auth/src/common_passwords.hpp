#pragma once
// The blocklist behind password_policy: passwords that top every published list of
// leaked passwords, keyboard walks, and defaults of the hardware printgate runs next to.
#include <span>
#include <string_view>

namespace printgate::auth::detail {

// Lower case, no duplicates.
std::span<const std::string_view> common_passwords();

}  // namespace printgate::auth::detail
