#pragma once
// Text made safe to put inside HTML elements and quoted attribute values: the relay's pages
// and the edge's LAN sign-in pages escape with this one function.
#include <string>
#include <string_view>

namespace printgate::common {

inline std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out.push_back(c);
        }
    }
    return out;
}

}  // namespace printgate::common
