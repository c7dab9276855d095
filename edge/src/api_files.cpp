// /api/v1/files: list (with the printer's SD card files), download, delete, move;
// /api/v1/folders; /api/v1/sdcard; /api/v1/metadata and /api/v1/thumbnail from printer/'s
// G-code analysis, through the metadata cache. Uploads: upload_route.cpp.
#include "printgate/edge/gcode_download.hpp"
#include "http_types.hpp"
#include "printgate/edge/edge_app.hpp"


namespace printgate::edge {

namespace {

const std::string files_prefix = "/api/v1/files/";

// The key of a file in the metadata cache: its path below the files folder, as resolve() made it.
std::string cache_key(const file_store& files, const std::filesystem::path& path) {
    return path.lexically_relative(files.root()).generic_string();
}

// A listing analyses files the cache does not know yet, up to this many bytes per request
// (the rest show `analysis: null` until a later listing or a metadata request).
constexpr std::uint64_t listing_analysis_budget = 32u << 20;

nlohmann::json summary(const std::optional<file_metadata>& m) {
    if (!m) return nullptr;
    auto j = nlohmann::json::parse(m->json, nullptr, false);
    if (!j.is_object()) return nullptr;
    return {{"estimated_print_time_s", j["estimated_print_time_s"]},
            {"layer_count", j["layer_count"]},
            {"filament_mm", j["filament_mm"]},
            {"thumbnail", !m->thumbnail.empty()}};
}

}  // namespace

std::optional<std::filesystem::path> download_target(route_context& ctx, std::optional<response>& err) {
    if (ctx.req.method() != http::verb::get || ctx.path.rfind(files_prefix, 0) != 0) return std::nullopt;
    std::string why;
    auto path = ctx.app.files().resolve(percent_decode(ctx.path.substr(files_prefix.size())), why);
    std::error_code ec;
    if (!path) err = error_response(ctx.req, http::status::bad_request, why);
    else if (!std::filesystem::is_regular_file(*path, ec)) err = error_response(ctx.req, http::status::not_found, "no such file");
    else return path;
    return std::nullopt;
}

std::optional<response> route_files(route_context& ctx) {
    const auto& req = ctx.req;
    auto& files = ctx.app.files();
    std::optional<response> err;
    std::string why;
    if (ctx.path == "/api/v1/files" && req.method() == http::verb::get) {
        nlohmann::json out = nlohmann::json::array();
        std::uint64_t budget = listing_analysis_budget;
        for (const auto& f : files.list()) {
            nlohmann::json e = {{"path", f.path}, {"type", f.folder ? "folder" : "file"}, {"origin", "local"}, {"size", f.size}, {"modified", f.modified}};
            if (!f.folder) {
                const auto path = files.root() / f.path;
                std::optional<file_metadata> m = ctx.app.metadata().peek(f.path, path);
                if (!m && f.size <= budget) {
                    budget -= f.size;
                    m = ctx.app.metadata().get(f.path, path, why);
                }
                e["analysis"] = summary(m);
            }
            out.push_back(std::move(e));
        }
        for (const auto& f : ctx.app.printer().sd_files())
            out.push_back({{"path", f.name}, {"type", "file"}, {"origin", "sdcard"},
                           {"size", f.size ? nlohmann::json(f.size) : nlohmann::json(nullptr)}, {"modified", nullptr}});
        return json_response(req, http::status::ok, {{"files", out}, {"sdcard_ready", ctx.app.printer().sd_listed()}});
    }
    if (ctx.path == "/api/v1/sdcard" && req.method() == http::verb::get) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& f : ctx.app.printer().sd_files())
            out.push_back({{"path", f.name}, {"size", f.size ? nlohmann::json(f.size) : nlohmann::json(nullptr)}});
        return json_response(req, http::status::ok, {{"ready", ctx.app.printer().sd_listed()}, {"files", out}});
    }
    if (ctx.path == "/api/v1/sdcard/refresh" && req.method() == http::verb::post) {
        if (!ctx.app.printer().refresh_sd_files(why)) return error_response(req, http::status::conflict, why);
        return json_response(req, http::status::accepted, {{"refreshing", true}});
    }
    if (ctx.path == "/api/v1/downloads" && req.method() == http::verb::get)
        return json_response(req, http::status::ok, {{"downloads", ctx.app.downloads().list()}});
    if (ctx.path == "/api/v1/folders" && req.method() == http::verb::post) {
        auto body = json_body(ctx, err);
        if (!body) return err;
        if (!body->contains("path") || !(*body)["path"].is_string()) return error_response(req, http::status::bad_request, "path: required");
        if (!files.make_folder((*body)["path"].get<std::string>(), why)) return error_response(req, http::status::conflict, why);
        return json_response(req, http::status::created, {{"path", (*body)["path"]}});
    }
    if (ctx.path == "/api/v1/files/move" && req.method() == http::verb::post) {
        auto body = json_body(ctx, err);
        if (!body) return err;
        if (!body->contains("from") || !(*body)["from"].is_string()) return error_response(req, http::status::bad_request, "from: required");
        if (!body->contains("to") || !(*body)["to"].is_string()) return error_response(req, http::status::bad_request, "to: required");
        if (!files.move((*body)["from"].get<std::string>(), (*body)["to"].get<std::string>(), why))
            return error_response(req, http::status::conflict, why);
        for (const char* k : {"from", "to"})
            if (auto p = files.resolve((*body)[k].get<std::string>(), why)) ctx.app.metadata().invalidate(cache_key(files, *p));
        return json_response(req, http::status::ok, {{"path", (*body)["to"]}});
    }
    if (ctx.path.rfind(files_prefix, 0) == 0 && req.method() == http::verb::delete_) {
        const auto rel = percent_decode(ctx.path.substr(files_prefix.size()));
        auto* job_file = ctx.app.printer().job_active() ? &ctx.app.printer() : nullptr;
        if (job_file && ctx.app.printer().job_json().value("file", "") == rel)
            return error_response(req, http::status::conflict, "the file is being printed");
        auto resolved = files.resolve(rel, why);
        if (!files.remove(rel, why)) return error_response(req, http::status::not_found, why);
        if (resolved) ctx.app.metadata().invalidate(cache_key(files, *resolved));
        return json_response(req, http::status::ok, {{"deleted", rel}});
    }
    for (const std::string prefix : {"/api/v1/metadata/", "/api/v1/thumbnail/"}) {
        if (ctx.path.rfind(prefix, 0) != 0 || req.method() != http::verb::get) continue;
        auto path = files.resolve(percent_decode(ctx.path.substr(prefix.size())), why);
        if (!path) return error_response(req, http::status::bad_request, why);
        const auto a = ctx.app.metadata().get(cache_key(files, *path), *path, why);
        if (!a) return error_response(req, http::status::not_found, why);
        if (prefix == "/api/v1/metadata/") return text_response(req, http::status::ok, a->json, "application/json");
        if (a->thumbnail.empty()) return error_response(req, http::status::not_found, "the file has no thumbnail");
        return text_response(req, http::status::ok, a->thumbnail, a->thumbnail_type);
    }
    return std::nullopt;
}

}  // namespace printgate::edge
