// /api/v1/history: the job journal and its totals.
#include "http_types.hpp"
#include "printgate/edge/edge_app.hpp"
#include "printgate/edge/resume_plan.hpp"

#include <charconv>

namespace printgate::edge {

namespace {

nlohmann::json row_json(const history_row& r) {
    return {{"id", r.id},
            {"file", r.file},
            {"user", r.user},
            {"status", r.status},
            {"started_at", r.started_at},
            {"ended_at", r.ended_at},
            {"print_time_s", r.print_time_s},
            {"filament_mm", r.filament_mm},
            {"hotend_max", r.hotend_max},
            {"bed_max", r.bed_max},
            {"cause", r.cause},
            {"last_line", r.last_line},
            {"last_z", r.last_z ? nlohmann::json(*r.last_z) : nlohmann::json(nullptr)},
            {"origin", r.origin}};
}

std::optional<std::int64_t> to_int(std::string_view s) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
    return v;
}

// GET /api/v1/history/ID/resume: the plan; POST {"confirm": true}: write it and print it.
response route_resume(route_context& ctx, const std::string& prefix) {
    const auto& req = ctx.req;
    const auto middle = std::string_view(ctx.path).substr(prefix.size() + 1, ctx.path.size() - prefix.size() - 1 - 7);
    auto id = to_int(middle);
    auto row = id ? ctx.app.history().get(*id) : std::nullopt;
    if (!row) return error_response(req, http::status::not_found, "no such job");
    if (row->status != "interrupted" && row->status != "failed")
        return error_response(req, http::status::conflict, "only an interrupted or failed job can be resumed");
    if (row->origin != "local")
        return error_response(req, http::status::conflict, "a print from the printer's SD card cannot be resumed from here");
    std::string why;
    auto source = ctx.app.files().resolve(row->file, why);
    if (!source) return error_response(req, http::status::not_found, "the job's file: " + why);
    auto plan = plan_resume(*source, row->last_line, row->last_z, why);
    if (!plan) return error_response(req, http::status::conflict, why);
    const std::string stem = std::filesystem::path(row->file).stem().string();
    std::filesystem::path rel = std::filesystem::path(row->file).parent_path() /
                                (stem + ".resume-layer" + std::to_string(plan->layer_index + 1) + ".gcode");
    nlohmann::json out = {{"job", row->id},
                          {"layer", plan->layer_index + 1},
                          {"layer_z", plan->layer_z},
                          {"start_line", plan->start_line},
                          {"stop_z", plan->stop_z},
                          {"preamble", plan->preamble},
                          {"warnings", plan->warnings},
                          {"file", rel.generic_string()}};
    if (req.method() == http::verb::get) return json_response(req, http::status::ok, out);
    if (req.method() != http::verb::post) return error_response(req, http::status::method_not_allowed, "GET or POST");
    std::optional<response> err;
    auto body = json_body(ctx, err);
    if (!body) return std::move(*err);
    if (!body->contains("confirm") || (*body)["confirm"] != true)
        return error_response(req, http::status::bad_request, "confirm: must be true (read the warnings first)");
    auto target = ctx.app.files().resolve(rel.generic_string(), why);
    if (!target || !write_resume_file(*source, *plan, *target, why)) return error_response(req, http::status::insufficient_storage, why);
    if (!ctx.app.printer().start_print(*target, rel.generic_string(), ctx.user, why))
        return error_response(req, http::status::conflict, why);
    out["printing"] = true;
    return json_response(req, http::status::ok, out);
}

}  // namespace

std::optional<response> route_history(route_context& ctx) {
    const auto& req = ctx.req;
    const std::string prefix = "/api/v1/history";
    if (ctx.path.rfind(prefix, 0) != 0) return std::nullopt;
    auto& history = ctx.app.history();
    if (ctx.path.size() > 7 && ctx.path.ends_with("/resume")) return route_resume(ctx, prefix);
    if (req.method() != http::verb::get) return error_response(req, http::status::method_not_allowed, "GET");
    if (ctx.path == prefix) {
        std::size_t limit = 50;
        std::int64_t before = 0;
        if (auto it = ctx.query.find("limit"); it != ctx.query.end()) {
            auto v = to_int(it->second);
            if (!v || *v < 1 || *v > 500) return error_response(req, http::status::bad_request, "limit: 1 to 500");
            limit = static_cast<std::size_t>(*v);
        }
        if (auto it = ctx.query.find("before"); it != ctx.query.end()) {
            auto v = to_int(it->second);
            if (!v) return error_response(req, http::status::bad_request, "before: a job id");
            before = *v;
        }
        nlohmann::json jobs = nlohmann::json::array();
        for (const auto& r : history.list(limit, before)) jobs.push_back(row_json(r));
        return json_response(req, http::status::ok, {{"jobs", jobs}});
    }
    if (ctx.path == prefix + "/totals") {
        auto t = history.totals();
        return json_response(req, http::status::ok,
                             {{"jobs", t.jobs}, {"completed", t.completed}, {"cancelled", t.cancelled},
                              {"failed", t.failed}, {"interrupted", t.interrupted},
                              {"print_time_s", t.print_time_s}, {"filament_mm", t.filament_mm}});
    }
    auto id = to_int(std::string_view(ctx.path).substr(prefix.size() + 1));
    if (ctx.path[prefix.size()] != '/' || !id) return error_response(req, http::status::not_found, "no such job");
    auto row = history.get(*id);
    if (!row) return error_response(req, http::status::not_found, "no such job");
    return json_response(req, http::status::ok, row_json(*row));
}

}  // namespace printgate::edge
