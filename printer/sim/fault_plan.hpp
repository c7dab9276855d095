#pragma once
// The faults a run was asked to inject (--fault SPEC), keyed on the host's line number.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace printgate::sim {

enum class fault_kind {
    checksum,         // checksum@N
    resend_loop,      // resend-loop@N (fires every time)
    resend_old,       // resend-old@N:M
    drop_ok,          // drop-ok@N
    busy,             // busy@N:S
    reset,            // reset@N
    thermal_runaway,  // thermal-runaway@N
    vanish,           // vanish@N:S
    heater_fault,     // heater-fault@N
};

struct fault {
    fault_kind kind = fault_kind::checksum;
    long line = 0;
    long resend_line = 0;  // resend-old's M
    double seconds = 0;    // busy's and vanish's S
    std::string spec;      // as given, for the log
    bool fired = false;
};

class fault_plan {
public:
    // Adds one --fault SPEC; returns why it is malformed, or nullopt.
    std::optional<std::string> add(std::string_view spec);

    bool no_ok_after_resend() const { return no_ok_after_resend_; }

    // The planned fault of this kind for this line that may still fire, marked as fired
    // (except resend-loop, which fires every time); nullptr when there is none.
    const fault* take(fault_kind kind, long line);

private:
    std::vector<fault> faults_;
    bool no_ok_after_resend_ = false;
};

}  // namespace printgate::sim
