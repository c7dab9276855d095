// The OctoPrint-compatible subset that PrusaSlicer, OrcaSlicer, Cura and phone apps use:
// /api/version, /api/server, /api/printer, /api/job (GET, POST), /api/files (local and the
// printer's SD card), /api/printer/sd. Uploads to /api/files/local are in upload_route.cpp. The API key is checked in http_session.cpp.
#include "http_types.hpp"
#include "printgate/edge/edge_app.hpp"

namespace printgate::edge {

using printgate::printer::host_state;

namespace {

nlohmann::json octoprint_state(edge_app& app) {
    const auto s = app.printer().state();
    const bool operational = s == host_state::operational || s == host_state::printing || s == host_state::pausing ||
                             s == host_state::paused;
    const char* text = s == host_state::printing ? "Printing"
                       : s == host_state::paused ? "Paused"
                       : s == host_state::pausing ? "Pausing"
                       : operational ? "Operational"
                       : s == host_state::error ? "Error" : "Offline";
    return {{"text", text},
            {"flags", {{"operational", operational},
                       {"printing", s == host_state::printing},
                       {"paused", s == host_state::paused},
                       {"pausing", s == host_state::pausing},
                       {"cancelling", false},
                       {"error", s == host_state::error},
                       {"ready", s == host_state::operational},
                       {"closedOrError", !operational},
                       {"sdReady", app.printer().sd_listed()}}}};
}

// OctoPrint's file entries (flat: a file in a folder carries its folder in `path`).
nlohmann::json octoprint_files(edge_app& app, bool local, bool sdcard) {
    nlohmann::json out = nlohmann::json::array();
    if (local) {
        for (const auto& f : app.files().list()) {
            if (f.folder) continue;
            const auto slash = f.path.rfind('/');
            out.push_back({{"name", slash == std::string::npos ? f.path : f.path.substr(slash + 1)},
                           {"path", f.path},
                           {"display", f.path},
                           {"type", "machinecode"},
                           {"typePath", {"machinecode", "gcode"}},
                           {"origin", "local"},
                           {"size", f.size},
                           {"date", f.modified},
                           {"refs", {{"resource", "/api/files/local/" + f.path}, {"download", "/api/v1/files/" + f.path}}}});
        }
    }
    if (sdcard) {
        for (const auto& f : app.printer().sd_files()) {
            nlohmann::json e = {{"name", f.name},
                                {"path", f.name},
                                {"display", f.name},
                                {"type", "machinecode"},
                                {"typePath", {"machinecode", "gcode"}},
                                {"origin", "sdcard"},
                                {"refs", {{"resource", "/api/files/sdcard/" + f.name}}}};
            if (f.size) e["size"] = f.size;
            out.push_back(std::move(e));
        }
    }
    return out;
}

response no_content(const request& req) {
    response res{http::status::no_content, req.version()};
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
}

}  // namespace

std::optional<response> route_octoprint(route_context& ctx) {
    const auto& req = ctx.req;
    auto& app = ctx.app;
    const bool get = req.method() == http::verb::get;
    if (ctx.path == "/api/version" && get)
        return json_response(req, http::status::ok, {{"api", "0.1"}, {"server", "1.10.0"}, {"text", "OctoPrint 1.10.0 (printgate-edge)"}});
    if (ctx.path == "/api/server" && get)
        return json_response(req, http::status::ok, {{"version", "1.10.0"}, {"safemode", nullptr}});
    if (ctx.path == "/api/printer" && get) {
        auto s = app.printer().state();
        if (s == host_state::disconnected || s == host_state::connecting)
            return error_response(req, http::status::conflict, "Printer is not operational");
        nlohmann::json temps = nlohmann::json::object();
        const auto readings = app.printer().temperatures_json();  // outlives the loop over its parts
        for (const auto& [name, h] : readings["heaters"].items()) {
            std::string key = name == "B" ? "bed" : name == "C" ? "chamber" : name == "T" ? "tool0" : "tool" + name.substr(1);
            temps[key] = {{"actual", h["actual"]}, {"target", h["target"]}, {"offset", 0}};
        }
        return json_response(req, http::status::ok, {{"state", octoprint_state(app)}, {"temperature", temps}});
    }
    if (get && (ctx.path == "/api/files" || ctx.path == "/api/files/local" || ctx.path == "/api/files/sdcard")) {
        const bool local = ctx.path != "/api/files/sdcard", sdcard = ctx.path != "/api/files/local";
        return json_response(req, http::status::ok, {{"files", octoprint_files(app, local, sdcard)}});
    }
    if (ctx.path == "/api/printer/sd") {
        if (get) return json_response(req, http::status::ok, {{"ready", app.printer().sd_listed()}});
        if (req.method() != http::verb::post) return error_response(req, http::status::method_not_allowed, "GET or POST");
        std::optional<response> err;
        auto body = json_body(ctx, err);
        if (!body) return err;
        if (body->value("command", "") != "refresh") return error_response(req, http::status::bad_request, "command: refresh");
        std::string why;
        if (!app.printer().refresh_sd_files(why)) return error_response(req, http::status::conflict, why);
        return no_content(req);
    }
    const std::string sd_prefix = "/api/files/sdcard/";
    if (ctx.path.rfind(sd_prefix, 0) == 0 && ctx.path.size() > sd_prefix.size()) {
        if (req.method() != http::verb::post) return error_response(req, http::status::method_not_allowed, "POST");
        std::optional<response> err;
        auto body = json_body(ctx, err);
        if (!body) return err;
        if (body->value("command", "") != "select") return error_response(req, http::status::bad_request, "command: select");
        const auto print = body->find("print");
        if (print == body->end() || *print != true)
            return error_response(req, http::status::conflict, "print: only select with print=true is supported");
        std::string why;
        const auto name = percent_decode(ctx.path.substr(sd_prefix.size()));
        if (!app.printer().start_sd_print(name, ctx.user, why))
            return error_response(req, why.starts_with("no such") ? http::status::not_found : http::status::conflict, why);
        return no_content(req);
    }
    if (ctx.path == "/api/job") {
        if (get) {
            auto j = app.printer().job_json();
            const bool active = j.value("active", false);
            return json_response(
                req, http::status::ok,
                {{"state", octoprint_state(app)["text"]},
                 {"job", {{"file", {{"name", active ? j["file"] : nlohmann::json(nullptr)}, {"origin", j.value("origin", "local")}}},
                          {"estimatedPrintTime", active ? j["estimate_s"] : nlohmann::json(nullptr)}}},
                 {"progress", {{"completion", active ? nlohmann::json(j.value("fraction", 0.0) * 100) : nlohmann::json(nullptr)},
                               {"filepos", active ? j["bytes_acked"] : nlohmann::json(nullptr)},
                               {"printTime", active ? j["elapsed_s"] : nlohmann::json(nullptr)},
                               {"printTimeLeft", active ? j["time_left_s"] : nlohmann::json(nullptr)}}}});
        }
        if (req.method() != http::verb::post) return error_response(req, http::status::method_not_allowed, "GET or POST");
        std::optional<response> err;
        auto body = json_body(ctx, err);
        if (!body) return err;
        const auto command = body->value("command", "");
        std::string why;
        bool ok = false;
        auto& printer = app.printer();
        if (command == "cancel") {
            ok = printer.cancel(why);
        } else if (command == "pause") {
            const auto action = body->value("action", "toggle");
            const bool paused = printer.state() == host_state::paused;
            if (action == "pause" || (action == "toggle" && !paused)) ok = printer.pause(why);
            else if (action == "resume" || action == "toggle") ok = printer.resume(why);
            else return error_response(req, http::status::bad_request, "action: pause, resume or toggle");
        } else if (command == "start") {
            why = "select a file with an upload (select=true, print=true) or use /api/v1/job";
        } else {
            return error_response(req, http::status::bad_request, "command: start, cancel or pause");
        }
        if (!ok) return error_response(req, http::status::conflict, why);
        return no_content(req);
    }
    return std::nullopt;
}

}  // namespace printgate::edge
