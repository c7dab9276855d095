#include "sodium.hpp"

#include <sodium.h>

#include <cstdlib>

namespace printgate::auth::detail {

void ensure_sodium() {
    static const bool ready = [] {
        // Without a working CSPRNG nothing in auth/ is safe: stop rather than limp on.
        if (sodium_init() < 0) std::abort();
        return true;
    }();
    (void)ready;
}

}  // namespace printgate::auth::detail
