#pragma once
// Marlin's EMERGENCY_PARSER: watches every byte as it arrives from the wire, before the
// receive buffer, so M112 / M108 / M410 act even when the buffer or the queue is full.
// A line is recognised at its end; an optional "N<number> " prefix and anything after the
// code (a checksum) are allowed, as in Marlin.
namespace printgate::sim {

class emergency_parser {
public:
    enum class command { none, m108, m112, m410 };

    // Returns the command that the byte c completed, if any.
    command feed(char c);
    void reset() { state_ = state::line_start; }

private:
    enum class state { line_start, line_number, m, m1, m10, m11, m4, m41, code_end, tail, ignore };

    state state_ = state::line_start;
    command matched_ = command::none;
};

}  // namespace printgate::sim
