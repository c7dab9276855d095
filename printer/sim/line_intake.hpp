#pragma once
// Marlin's judgement of each line moving from the receive buffer into the command queue:
// line number, checksum, M110, and the faults that strike a line as it arrives. It keeps
// the last accepted line number and counts the errors; the firmware acts on the verdict.
#include <string>
#include <string_view>

#include "fault_plan.hpp"
#include "serial_line.hpp"
#include "sim_stats.hpp"

namespace printgate::sim {

class line_intake {
public:
    enum class outcome {
        ignore,      // nothing to run (a bare "*71")
        accept,      // into the queue
        error,       // Error:<message><last>, Resend: <last+1>
        resend_old,  // resend-old fault: Resend: <resend_from>
        reset,       // reset fault: the firmware restarts, the line is lost
        vanish,      // vanish fault: the port goes away, the line is lost
    };

    struct verdict {
        outcome what = outcome::ignore;
        serial_line line;
        std::string_view error;        // for outcome::error
        long resend_from = 0;          // for outcome::resend_old
        const fault* fired = nullptr;  // the fault behind this verdict, if any
    };

    line_intake(fault_plan& faults, sim_counters& counters) : faults_(faults), counters_(counters) {}

    verdict judge(std::string_view raw);

    long last() const { return last_; }
    void set_last(long n) { last_ = n; }  // M110 ran, or the firmware reset

private:
    fault_plan& faults_;
    sim_counters& counters_;
    long last_ = 0;  // Marlin's serial_state.last_N
};

}  // namespace printgate::sim
