#include "line_intake.hpp"

namespace printgate::sim {

line_intake::verdict line_intake::judge(std::string_view raw) {
    verdict v;
    v.line = serial_line::parse(raw);
    const auto& line = v.line;
    if (!line.number) {
        // Without N nothing is checked, not even a checksum.
        v.what = line.command.empty() ? outcome::ignore : outcome::accept;
        return v;
    }
    const long n = *line.number;
    auto error = [&](std::string_view message, std::uint64_t& counter) {
        ++counter;
        v.what = outcome::error;
        v.error = message;
        return v;
    };
    // Marlin's order: the line number first, then the checksum.
    if (line.checked_number != last_ + 1 && !line.is_m110)
        return error("Line Number is not Last Line Number+1, Last Line: ", counters_.line_number_errors);
    v.fired = faults_.take(fault_kind::checksum, n);
    if (!v.fired) v.fired = faults_.take(fault_kind::resend_loop, n);
    if (v.fired || (line.has_checksum && !line.checksum_ok))
        return error("checksum mismatch, Last Line: ", counters_.checksum_errors);
    if (!line.has_checksum)
        return error("No Checksum with line number, Last Line: ", counters_.checksum_errors);
    if ((v.fired = faults_.take(fault_kind::resend_old, n))) {
        // As if the firmware had lost everything after M-1: from M on, the host's lines are
        // accepted again, and run twice.
        last_ = v.fired->resend_line - 1;
        v.what = outcome::resend_old;
        v.resend_from = v.fired->resend_line;
        return v;
    }
    last_ = line.checked_number;
    if ((v.fired = faults_.take(fault_kind::reset, n))) {
        v.what = outcome::reset;
        return v;
    }
    if ((v.fired = faults_.take(fault_kind::vanish, n))) {
        v.what = outcome::vanish;
        return v;
    }
    v.what = outcome::accept;
    return v;
}

}  // namespace printgate::sim
