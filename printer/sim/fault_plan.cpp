#include "fault_plan.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

namespace printgate::sim {
namespace {

std::optional<long> parse_line_number(std::string_view text) {
    long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
    return value;
}

std::optional<double> parse_seconds(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::string copy(text);
    char* end = nullptr;
    double value = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || !std::isfinite(value) || value < 0) return std::nullopt;
    return value;
}

struct kind_name {
    std::string_view name;
    fault_kind kind;
    bool has_second;  // takes ":M" or ":S"
};

constexpr kind_name kinds[] = {
    {"checksum", fault_kind::checksum, false},
    {"resend-loop", fault_kind::resend_loop, false},
    {"resend-old", fault_kind::resend_old, true},
    {"drop-ok", fault_kind::drop_ok, false},
    {"busy", fault_kind::busy, true},
    {"reset", fault_kind::reset, false},
    {"thermal-runaway", fault_kind::thermal_runaway, false},
    {"vanish", fault_kind::vanish, true},
    {"heater-fault", fault_kind::heater_fault, false},
};

}  // namespace

std::optional<std::string> fault_plan::add(std::string_view spec) {
    if (spec == "no-ok-after-resend") {
        no_ok_after_resend_ = true;
        return std::nullopt;
    }
    auto at = spec.find('@');
    if (at == std::string_view::npos) return "unknown fault '" + std::string(spec) + "'";
    auto name = spec.substr(0, at);
    auto rest = spec.substr(at + 1);
    for (const auto& k : kinds) {
        if (k.name != name) continue;
        fault f;
        f.kind = k.kind;
        f.spec = std::string(spec);
        auto colon = rest.find(':');
        if (k.has_second != (colon != std::string_view::npos))
            return "fault '" + std::string(spec) + "': expected " + std::string(name) +
                   (k.has_second ? "@N:X" : "@N");
        auto line = parse_line_number(rest.substr(0, colon));
        if (!line) return "fault '" + std::string(spec) + "': bad line number";
        f.line = *line;
        if (k.kind == fault_kind::resend_old) {
            auto older = parse_line_number(rest.substr(colon + 1));
            if (!older || *older > f.line)
                return "fault '" + std::string(spec) + "': M must be a line number <= N";
            f.resend_line = *older;
        } else if (k.has_second) {
            auto seconds = parse_seconds(rest.substr(colon + 1));
            if (!seconds) return "fault '" + std::string(spec) + "': bad seconds";
            f.seconds = *seconds;
        }
        faults_.push_back(std::move(f));
        return std::nullopt;
    }
    return "unknown fault '" + std::string(name) + "'";
}

const fault* fault_plan::take(fault_kind kind, long line) {
    for (auto& f : faults_) {
        if (f.kind != kind || f.line != line) continue;
        if (kind == fault_kind::resend_loop) return &f;
        if (f.fired) continue;
        f.fired = true;
        return &f;
    }
    return nullptr;
}

}  // namespace printgate::sim
