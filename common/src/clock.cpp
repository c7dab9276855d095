#include "printgate/common/clock.hpp"

namespace printgate {

clock::time_point steady_clock_source::now() const { return std::chrono::steady_clock::now(); }

const steady_clock_source& steady_clock_source::instance() {
    static const steady_clock_source source;
    return source;
}

}  // namespace printgate
