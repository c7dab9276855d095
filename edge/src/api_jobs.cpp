// /api/v1/job: the running job (progress, time left) and its control.
#include "http_types.hpp"
#include "printgate/edge/edge_app.hpp"

namespace printgate::edge {

std::optional<response> route_jobs(route_context& ctx) {
    const auto& req = ctx.req;
    if (ctx.path != "/api/v1/job") return std::nullopt;
    auto& printer = ctx.app.printer();
    if (req.method() == http::verb::get) return json_response(req, http::status::ok, printer.job_json());
    if (req.method() != http::verb::post) return error_response(req, http::status::method_not_allowed, "GET or POST");
    std::optional<response> err;
    auto body = json_body(ctx, err);
    if (!body) return err;
    const auto action = body->value("action", "");
    std::string why;
    bool ok = false;
    if (action == "start") {
        if (!body->contains("file") || !(*body)["file"].is_string())
            return error_response(req, http::status::bad_request, "file: a file path is required");
        const auto rel = (*body)["file"].get<std::string>();
        std::string origin = "local";
        if (body->contains("origin")) {
            if (!(*body)["origin"].is_string()) return error_response(req, http::status::bad_request, "origin: local or sdcard");
            origin = (*body)["origin"].get<std::string>();
        }
        if (origin == "sdcard") {
            if (!printer.start_sd_print(rel, ctx.user, why))
                return error_response(req, why.starts_with("no such") ? http::status::not_found : http::status::conflict, "file: " + why);
            return json_response(req, http::status::ok, printer.job_json());
        }
        if (origin != "local") return error_response(req, http::status::bad_request, "origin: local or sdcard");
        auto path = ctx.app.files().resolve(rel, why);
        if (!path) return error_response(req, http::status::bad_request, "file: " + why);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(*path, ec)) return error_response(req, http::status::not_found, "file: no such file");
        ok = printer.start_print(*path, rel, ctx.user, why);
    } else if (action == "pause") {
        ok = printer.pause(why);
    } else if (action == "resume") {
        ok = printer.resume(why);
    } else if (action == "cancel") {
        ok = printer.cancel(why);
    } else {
        return error_response(req, http::status::bad_request, "action: must be start, pause, resume or cancel");
    }
    if (!ok) return error_response(req, http::status::conflict, why);
    return json_response(req, http::status::ok, printer.job_json());
}

}  // namespace printgate::edge
