#include "printgate/common/status_text.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace printgate::common {
namespace {

constexpr std::size_t max_heaters = 8;
constexpr std::size_t max_heater_name_bytes = 16;

// `text` cut to at most `max` bytes on a UTF-8 character boundary.
std::string cut(std::string text, std::size_t max) {
    if (text.size() <= max) return text;
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    text.resize(end);
    return text + "…";
}

std::string fixed(double v, int decimals) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

}  // namespace

const nlohmann::json* json_member(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

std::string json_text(const nlohmann::json& object, const char* key, std::size_t max) {
    const auto* v = json_member(object, key);
    return v && v->is_string() ? cut(v->get<std::string>(), max) : std::string();
}

std::optional<double> json_number(const nlohmann::json& object, const char* key) {
    const auto* v = json_member(object, key);
    if (!v || !v->is_number()) return std::nullopt;
    const double d = v->get<double>();
    return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
}

bool json_flag(const nlohmann::json& object, const char* key) {
    const auto* v = json_member(object, key);
    return v && v->is_boolean() && v->get<bool>();
}

std::string duration_text(double seconds) {
    if (!(seconds >= 0) || seconds > 1e8) return {};
    const auto s = static_cast<long long>(seconds + 0.5);
    if (s < 60) return std::to_string(s) + " s";
    const auto m = s / 60;
    if (m < 60) return std::to_string(m) + " min";
    return std::to_string(m / 60) + " h " + (m % 60 < 10 ? "0" : "") + std::to_string(m % 60) + " min";
}

std::string state_text(const nlohmann::json& state) {
    std::string out = json_text(state, "state");
    if (out.empty()) return out;
    if (auto reason = json_text(state, "reason"); !reason.empty()) out += " (" + reason + ")";
    return out;
}

std::string temperatures_text(const nlohmann::json& temperatures) {
    const auto* heaters = json_member(temperatures, "heaters");
    if (!heaters || !heaters->is_object()) return {};
    std::string out;
    std::size_t shown = 0;
    for (const auto& [name, heater] : heaters->items()) {
        if (shown == max_heaters) break;
        const auto actual = json_number(heater, "actual");
        if (!actual) continue;
        ++shown;
        out += (out.empty() ? "" : ", ") + cut(name, max_heater_name_bytes) + " " + fixed(*actual, 1);
        if (const auto target = json_number(heater, "target")) out += " / " + fixed(*target, 0);
        out += " °C";
    }
    return out;
}

std::string job_text(const nlohmann::json& progress) {
    if (!json_flag(progress, "active")) return {};
    std::string out = json_text(progress, "file");
    if (const auto fraction = json_number(progress, "fraction"); fraction && *fraction >= 0 && *fraction <= 1)
        out += ": " + fixed(*fraction * 100, 0) + " %";
    const auto layer = json_number(progress, "layer");
    const auto layers = json_number(progress, "layer_count");
    if (layer && *layer >= 0 && *layer < 1e7) {
        out += ", layer " + fixed(*layer, 0);
        if (layers && *layers > 0 && *layers < 1e7) out += " of " + fixed(*layers, 0);
    }
    if (const auto left = json_number(progress, "time_left_s")) {
        if (auto text = duration_text(*left); !text.empty()) out += ", " + text + " left";
    }
    return out;
}

job_controls job_controls_of(const nlohmann::json& state) {
    const auto name = json_text(state, "state");
    return {name == "printing" || name == "pausing" || name == "paused", name == "printing", name == "paused"};
}

}  // namespace printgate::common
