#pragma once
// Schema migrations, applied in order, each in its own transaction. A migration is never
// edited once released: changes come as a new one at the end.
#include <span>
#include <string_view>

namespace printgate::auth::detail {

std::span<const std::string_view> migrations();  // migrations()[0] brings version 0 to 1

}  // namespace printgate::auth::detail
