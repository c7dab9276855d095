#include "printgate/edge/command_protocol.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

namespace printgate::edge {

namespace {

using json = nlohmann::json;

struct failure {
    std::string field, message;
};

// Reads one numeric parameter in [lo, hi]; throws `failure` otherwise.
double number(const json& params, const std::string& name, double lo, double hi, std::optional<double> fallback = {}) {
    auto it = params.find(name);
    if (it == params.end()) {
        if (fallback) return *fallback;
        throw failure{"parameters." + name, "is required"};
    }
    if (!it->is_number()) throw failure{"parameters." + name, "must be a number"};
    const double v = it->get<double>();
    if (!std::isfinite(v) || v < lo || v > hi)
        throw failure{"parameters." + name, fmt::format("must be a number between {:g} and {:g}", lo, hi)};
    return v;
}

std::string text(const json& params, const std::string& name, std::size_t max) {
    auto it = params.find(name);
    if (it == params.end()) throw failure{"parameters." + name, "is required"};
    if (!it->is_string()) throw failure{"parameters." + name, "must be a string"};
    auto s = it->get<std::string>();
    if (s.empty() || s.size() > max) throw failure{"parameters." + name, fmt::format("must be 1 to {} characters", max)};
    return s;
}

void only(const json& params, std::initializer_list<const char*> allowed) {
    for (const auto& [key, value] : params.items()) {
        bool ok = false;
        for (const char* a : allowed) ok = ok || key == a;
        if (!ok) throw failure{"parameters." + key, "is not a parameter of this action"};
    }
}

void printer_control(command_request& c, const json& p) {
    if (c.action == "download_gcode") {
        only(p, {"url"});
        c.url = text(p, "url", 2048);
    } else if (c.action == "start_print") {
        only(p, {"file_name", "origin"});
        c.file_name = text(p, "file_name", 1024);
        if (auto o = p.find("origin"); o != p.end()) {
            if (!o->is_string() || (*o != "local" && *o != "sdcard"))
                throw failure{"parameters.origin", "must be \"local\" or \"sdcard\""};
            c.from_sd = *o == "sdcard";
        }
    } else if (c.action == "pause_print" || c.action == "resume_print" || c.action == "stop_print" || c.action == "get_status") {
        only(p, {});
    } else {
        throw failure{"action", "unknown printer_control action '" + c.action + "'"};
    }
}

void temperature_control(command_request& c, const json& p, const printer_profile& profile) {
    if (c.action == "set_hotend") {
        only(p, {"temperature", "tool"});
        const double t = number(p, "temperature", 0, profile.max_hotend_temp);
        const double tool = number(p, "tool", 0, profile.extruders - 1, 0.0);
        if (tool != std::floor(tool)) throw failure{"parameters.tool", "must be a whole number"};
        c.gcode.push_back(fmt::format("M104 T{} S{:g}", static_cast<int>(tool), t));
    } else if (c.action == "set_bed") {
        only(p, {"temperature"});
        if (!profile.heated_bed) throw failure{"action", "this printer has no heated bed"};
        c.gcode.push_back(fmt::format("M140 S{:g}", number(p, "temperature", 0, profile.max_bed_temp)));
    } else {
        throw failure{"action", "unknown temperature_control action '" + c.action + "'"};
    }
}

void movement_control(command_request& c, const json& p, const printer_profile& profile) {
    if (c.action == "jog") {
        only(p, {"axes", "relative", "speed"});
        auto axes = p.find("axes");
        if (axes == p.end()) throw failure{"parameters.axes", "is required"};
        if (!axes->is_object() || axes->empty()) throw failure{"parameters.axes", "must be an object like {\"x\": 10}"};
        bool relative = true;
        if (auto r = p.find("relative"); r != p.end()) {
            if (!r->is_boolean()) throw failure{"parameters.relative", "must be true or false"};
            relative = r->get<bool>();
        }
        const double speed = number(p, "speed", 1, 20000, 3000.0);
        std::string move = "G0";
        for (const auto& [axis, value] : axes->items()) {
            double limit = axis == "x" ? profile.volume_x : axis == "y" ? profile.volume_y : axis == "z" ? profile.volume_z : -1;
            if (limit < 0) throw failure{"parameters.axes." + axis, "is not an axis (x, y or z)"};
            const double v = number(*axes, axis, relative ? -limit : 0, limit);
            move += fmt::format(" {}{:g}", static_cast<char>(axis[0] - 'a' + 'A'), v);
        }
        move += fmt::format(" F{:g}", speed);
        c.gcode = {relative ? "G91" : "G90", move, "G90"};
    } else if (c.action == "extrude") {
        only(p, {"amount", "speed"});
        const double amount = number(p, "amount", -50, 100);
        const double speed = number(p, "speed", 1, 1200, 300.0);
        c.gcode = {"M83", fmt::format("G1 E{:g} F{:g}", amount, speed), "M82"};
    } else if (c.action == "home") {
        only(p, {"axes"});
        std::string cmd = "G28";
        if (auto axes = p.find("axes"); axes != p.end()) {
            if (!axes->is_array() || axes->empty() || axes->size() > 3) throw failure{"parameters.axes", "must be a list of x, y, z"};
            std::set<std::string> seen;
            for (const auto& a : *axes) {
                if (!a.is_string() || (a != "x" && a != "y" && a != "z")) throw failure{"parameters.axes", "must be a list of x, y, z"};
                if (!seen.insert(a.get<std::string>()).second) throw failure{"parameters.axes", "names an axis twice"};
                cmd += " " + std::string(1, static_cast<char>(a.get<std::string>()[0] - 'a' + 'A'));
            }
        }
        c.gcode = {cmd};
    } else {
        throw failure{"action", "unknown movement_control action '" + c.action + "'"};
    }
}

}  // namespace

command_parse_result parse_command(std::string_view text_in, const printer_profile& profile) {
    command_parse_result out;
    if (text_in.size() > max_command_bytes) {
        out.error = {"", fmt::format("the command is larger than {} bytes", max_command_bytes), nullptr};
        return out;
    }
    auto doc = json::parse(text_in, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        out.error = {"", "the command must be a JSON object", nullptr};
        return out;
    }
    command_request c;
    if (auto id = doc.find("id"); id != doc.end()) {
        if (!id->is_string() && !id->is_number_integer()) {
            out.error = {"id", "must be a string or an integer", nullptr};
            return out;
        }
        if (id->is_string() && id->get_ref<const std::string&>().size() > 128) {
            out.error = {"id", "must be at most 128 characters", nullptr};
            return out;
        }
        c.id = *id;
    }
    try {
        for (const auto& [key, value] : doc.items())
            if (key != "type" && key != "action" && key != "parameters" && key != "id")
                throw failure{key, "is not a field of a command"};
        auto type = doc.find("type");
        if (type == doc.end()) throw failure{"type", "is required"};
        if (!type->is_string()) throw failure{"type", "must be a string"};
        auto action = doc.find("action");
        if (action == doc.end()) throw failure{"action", "is required"};
        if (!action->is_string()) throw failure{"action", "must be a string"};
        c.type = type->get<std::string>();
        c.action = action->get<std::string>();
        json params = json::object();
        if (auto p = doc.find("parameters"); p != doc.end()) {
            if (!p->is_object()) throw failure{"parameters", "must be an object"};
            params = *p;
        }
        if (c.type == "printer_control") printer_control(c, params);
        else if (c.type == "temperature_control") temperature_control(c, params, profile);
        else if (c.type == "movement_control") movement_control(c, params, profile);
        else if (c.type == "camera_control") {
            if (c.action != "get_providers" && c.action != "snapshot" && c.action != "stream_on" && c.action != "stream_off")
                throw failure{"action", "unknown camera_control action '" + c.action + "'"};
            only(params, {});
        } else {
            throw failure{"type", "unknown type '" + c.type + "'"};
        }
    } catch (const failure& f) {
        out.error = {f.field, f.message, c.id};
        return out;
    }
    out.command = std::move(c);
    return out;
}

}  // namespace printgate::edge
