#include "printgate/auth/wall_clock.hpp"

namespace printgate::auth {

const system_wall_clock& system_wall_clock::instance() {
    static const system_wall_clock clock;
    return clock;
}

}  // namespace printgate::auth
