#include "emergency_parser.hpp"

namespace printgate::sim {

emergency_parser::command emergency_parser::feed(char c) {
    if (c == '\n' || c == '\r') {
        const bool fire = state_ == state::code_end || state_ == state::tail;
        state_ = state::line_start;
        return fire ? matched_ : command::none;
    }
    auto match = [this](command cmd) {
        matched_ = cmd;
        return state::code_end;
    };
    switch (state_) {
        case state::line_start:
            if (c == ' ' || c == '\t') break;
            state_ = c == 'N' ? state::line_number : c == 'M' ? state::m : state::ignore;
            break;
        case state::line_number:
            if ((c >= '0' && c <= '9') || c == '-' || c == ' ') break;
            state_ = c == 'M' ? state::m : state::ignore;
            break;
        case state::m:
            state_ = c == '1' ? state::m1 : c == '4' ? state::m4 : state::ignore;
            break;
        case state::m1:
            state_ = c == '0' ? state::m10 : c == '1' ? state::m11 : state::ignore;
            break;
        case state::m10:
            state_ = c == '8' ? match(command::m108) : state::ignore;
            break;
        case state::m11:
            state_ = c == '2' ? match(command::m112) : state::ignore;
            break;
        case state::m4:
            state_ = c == '1' ? state::m41 : state::ignore;
            break;
        case state::m41:
            state_ = c == '0' ? match(command::m410) : state::ignore;
            break;
        case state::code_end:
            // M1120 is not M112; anything else (a space, '*' and a checksum) may follow.
            state_ = (c >= '0' && c <= '9') ? state::ignore : state::tail;
            break;
        case state::tail:
        case state::ignore:
            break;
    }
    return command::none;
}

}  // namespace printgate::sim
