// /api/v1: state, temperatures, connection, ports, profile, and commands over HTTP.
#include "command_executor.hpp"
#include "http_types.hpp"
#include "printgate/edge/edge_app.hpp"
#include "printgate/printer/serial_ports.hpp"

namespace printgate::edge {

std::optional<response> route_printer(route_context& ctx) {
    const auto& req = ctx.req;
    auto& printer = ctx.app.printer();
    const bool get = req.method() == http::verb::get;
    const bool post = req.method() == http::verb::post;
    std::optional<response> err;

    if (ctx.path == "/api/v1/state" && get) {
        return json_response(req, http::status::ok,
                             {{"state", printer.state_json()}, {"temperatures", printer.temperatures_json()},
                              {"job", printer.job_json()}});
    }
    if (ctx.path == "/api/v1/temperatures" && get) return json_response(req, http::status::ok, printer.temperatures_json());
    if (ctx.path == "/api/v1/profile" && get) {
        const auto& p = printer.profile();
        return json_response(req, http::status::ok,
                             {{"name", p.name},
                              {"build_volume", {{"x", p.volume_x}, {"y", p.volume_y}, {"z", p.volume_z}}},
                              {"heated_bed", p.heated_bed},
                              {"extruders", p.extruders},
                              {"max_hotend_temp", p.max_hotend_temp},
                              {"max_bed_temp", p.max_bed_temp}});
    }
    if (ctx.path == "/api/v1/ports" && get) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& p : printer::list_serial_ports())
            out.push_back({{"path", p.path}, {"stable_path", p.stable_path}, {"description", p.description}});
        return json_response(req, http::status::ok, out);
    }
    if (ctx.path == "/api/v1/connection") {
        if (get) return json_response(req, http::status::ok, printer.connection_json());
        if (!post) return error_response(req, http::status::method_not_allowed, "GET or POST");
        auto body = json_body(ctx, err);
        if (!body) return err;
        const auto action = body->value("action", "");
        if (action == "disconnect") {
            printer.disconnect();
            return json_response(req, http::status::ok, printer.connection_json());
        }
        if (action != "connect") return error_response(req, http::status::bad_request, "action: must be connect or disconnect");
        const auto port = body->contains("port") && (*body)["port"].is_string() ? (*body)["port"].get<std::string>() : printer.port();
        unsigned baud = 0;
        if (body->contains("baud")) {
            if (!(*body)["baud"].is_number_unsigned()) return error_response(req, http::status::bad_request, "baud: must be a positive integer");
            baud = (*body)["baud"].get<unsigned>();
        }
        std::string why;
        if (!printer.connect(port, baud, why)) return error_response(req, http::status::conflict, why);
        return json_response(req, http::status::ok, printer.connection_json());
    }
    if (ctx.path == "/api/v1/command" && post) {
        if (auto refused = refuse_unless_json(req)) return refused;
        auto reply = handle_command_text(ctx.app, req.body(), ctx.user);
        const bool failed = reply.value("type", "") == "error";
        return json_response(req, failed ? http::status::bad_request : http::status::ok, reply);
    }
    return std::nullopt;
}

}  // namespace printgate::edge
