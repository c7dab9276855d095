#include "command_executor.hpp"

#include "printgate/edge/gcode_download.hpp"
#include "printgate/edge/edge_app.hpp"

#ifdef PRINTGATE_EDGE_HAS_CAMERA
#include "printgate/camera/camera_service.hpp"
#endif

namespace printgate::edge {

using json = nlohmann::json;
using printgate::printer::host_state;

namespace {

json error_reply(edge_app& app, const std::string& field, const std::string& message, const json& id) {
    return app.printer().envelope("error", {{"field", field}, {"message", message}}, id);
}

}  // namespace

json execute_command(edge_app& app, const command_request& c, const std::string& user) {
    auto& printer = app.printer();
    std::string why;
    auto ok = [&](json data = json::object()) { return printer.envelope("success", std::move(data), c.id); };
    if (c.type == "printer_control") {
        if (c.action == "get_status")
            return printer.envelope("response",
                                    {{"state", printer.state_json()}, {"temperatures", printer.temperatures_json()},
                                     {"job", printer.job_json()}},
                                    c.id);
        if (c.action == "start_print" && c.from_sd) {
            // The same start as REST's {"origin": "sdcard"}: only a name the firmware listed.
            if (!printer.start_sd_print(c.file_name, user, why))
                return error_reply(app, why.starts_with("no such") ? "parameters.file_name" : "", why, c.id);
            return ok({{"file", c.file_name}, {"origin", "sdcard"}});
        }
        if (c.action == "start_print") {
            auto path = app.files().resolve(c.file_name, why);
            if (!path) return error_reply(app, "parameters.file_name", why, c.id);
            std::error_code ec;
            if (!std::filesystem::is_regular_file(*path, ec))
                return error_reply(app, "parameters.file_name", "no such file", c.id);
            if (!printer.start_print(*path, c.file_name, user, why)) return error_reply(app, "", why, c.id);
            return ok({{"file", c.file_name}});
        }
        if (c.action == "pause_print") return printer.pause(why) ? ok() : error_reply(app, "", why, c.id);
        if (c.action == "resume_print") return printer.resume(why) ? ok() : error_reply(app, "", why, c.id);
        if (c.action == "stop_print") return printer.cancel(why) ? ok() : error_reply(app, "", why, c.id);
        if (c.action == "download_gcode") {
            // Answered at once; the outcome follows as a download_done / download_failed event.
            auto started = app.downloads().start(c.url, why);
            if (!started) return error_reply(app, "parameters.url", why, c.id);
            return ok(to_json(*started));
        }
    }
    if (c.type == "temperature_control" || c.type == "movement_control") {
        // Checked before anything is sent, so a refused command sends nothing.
        const auto s = printer.state();
        if (s != host_state::operational && s != host_state::paused)
            return error_reply(app, "", std::string("the printer is ") + printgate::printer::to_string(s) +
                                            (s == host_state::printing ? "; wait for the job or pause it" : ""),
                               c.id);
        if (c.type == "movement_control" && s == host_state::paused && c.action != "extrude")
            return error_reply(app, "", "jogging or homing a paused job would ruin it", c.id);
        for (const auto& line : c.gcode)
            if (!printer.send_gcode(line, why)) return error_reply(app, "", why, c.id);
        return ok({{"gcode", c.gcode}});
    }
    if (c.type == "camera_control") {
#ifdef PRINTGATE_EDGE_HAS_CAMERA
        if (auto* cam = app.camera()) {
            if (c.action == "get_providers") {
                json list = json::array();
                for (const auto& p : cam->get_providers())
                    list.push_back({{"name", p.name}, {"kind", p.kind}, {"width", p.width}, {"height", p.height},
                                    {"fps", p.fps}, {"running", p.running}, {"viewers", p.viewers}});
                return printer.envelope("response", {{"providers", list}}, c.id);
            }
            // The picture itself travels over HTTP, not inside a JSON reply.
            if (c.action == "snapshot") return printer.envelope("response", {{"url", "/webcam/snapshot"}}, c.id);
            if (c.action == "stream_on") return cam->stream_on("") ? ok({{"url", "/webcam/stream"}}) : error_reply(app, "", "no camera", c.id);
            if (c.action == "stream_off") return cam->stream_off("") ? ok() : error_reply(app, "", "no camera", c.id);
        }
#endif
        if (c.action == "get_providers") return printer.envelope("response", {{"providers", json::array()}}, c.id);
        return error_reply(app, "action", "no camera is configured", c.id);
    }
    return error_reply(app, "action", "not supported", c.id);
}

json handle_command_text(edge_app& app, std::string_view text, const std::string& user) {
    auto parsed = parse_command(text, app.printer().profile());
    if (!parsed.command) return error_reply(app, parsed.error.field, parsed.error.message, parsed.error.id);
    return execute_command(app, *parsed.command, user);
}

}  // namespace printgate::edge
