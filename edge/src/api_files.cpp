// /api/v1/files: list, download, delete, move; /api/v1/folders; /api/v1/metadata and
// /api/v1/thumbnail from printer/'s G-code analysis. Uploads: upload_route.cpp.
#include "printgate/edge/gcode_download.hpp"
#include "http_types.hpp"
#include "printgate/edge/edge_app.hpp"
#include "printgate/printer/gcode_analysis.hpp"

#include <sys/stat.h>

#include <list>

namespace printgate::edge {

namespace {

const std::string files_prefix = "/api/v1/files/";

nlohmann::json analysis_json(const printer::gcode_analysis& a) {
    auto opt = [](const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(nullptr); };
    auto box = [](const printer::bounding_box& b) {
        auto axis = [](const printer::axis_range& r) {
            return r.empty() ? nlohmann::json(nullptr) : nlohmann::json{{"min", r.min}, {"max", r.max}};
        };
        return nlohmann::json{{"x", axis(b.x)}, {"y", axis(b.y)}, {"z", axis(b.z)}};
    };
    nlohmann::json thumbs = nlohmann::json::array();
    for (std::size_t i = 0; i < a.thumbnails.size(); ++i)
        thumbs.push_back({{"index", i}, {"format", std::string(printer::to_string(a.thumbnails[i].format))},
                          {"width", a.thumbnails[i].width}, {"height", a.thumbnails[i].height}});
    return {{"slicer", a.slicer},
            {"slicer_version", a.slicer_version},
            {"estimated_print_time_s", opt(a.estimates.print_time_s)},
            {"filament_mm", a.extruded_mm},
            {"layer_count", a.layer_count},
            {"first_layer_z", opt(a.first_layer_z)},
            {"last_layer_z", opt(a.last_layer_z)},
            {"extrusion_box", box(a.extrusion_box)},
            {"lines", a.lines},
            {"commands", a.commands},
            {"thumbnails", thumbs},
            {"problems", a.problems}};
}

// What the analysis of a file gave (reading a large G-code file takes a while; a file
// browser asks for every file's metadata and thumbnail): the JSON and the largest thumbnail,
// for the last few files, keyed by path and checked against size and modification time so a
// replaced file is analysed again. Bounded: at most 16 files and 1 MiB of thumbnails.
struct analysed_file {
    std::string path;
    std::int64_t size = -1, mtime_ns = -1;
    std::string metadata;  // JSON text
    std::string thumbnail;
    std::string thumbnail_type;
};

class analysis_cache {
public:
    const analysed_file* get(const std::filesystem::path& file, std::string& error) {
        struct stat st{};
        if (::stat(file.c_str(), &st) != 0) {
            error = "cannot read the file: " + std::error_code(errno, std::generic_category()).message();
            return nullptr;
        }
        const std::int64_t mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
        for (auto it = entries_.begin(); it != entries_.end(); ++it) {
            if (it->path != file.string()) continue;
            if (it->size == st.st_size && it->mtime_ns == mtime) {
                entries_.splice(entries_.begin(), entries_, it);  // most recently used first
                return &entries_.front();
            }
            entries_.erase(it);
            break;
        }
        auto result = printer::analyze_gcode_file(file);
        if (!result) {
            error = "cannot read the file: " + result.error.message();
            return nullptr;
        }
        analysed_file e{file.string(), st.st_size, mtime, analysis_json(*result.analysis).dump(), {}, {}};
        if (!result.analysis->thumbnails.empty()) {
            const auto& t = result.analysis->thumbnails.back();  // slicers list the small one first
            e.thumbnail.assign(t.data.begin(), t.data.end());
            e.thumbnail_type = t.format == printer::thumbnail_format::png   ? "image/png"
                               : t.format == printer::thumbnail_format::jpg ? "image/jpeg"
                                                                            : "image/qoi";
        }
        entries_.push_front(std::move(e));
        std::size_t thumbnail_bytes = 0;
        std::size_t kept = 0;
        for (auto it = entries_.begin(); it != entries_.end();) {
            thumbnail_bytes += it->thumbnail.size();
            if (++kept > 16 || (kept > 1 && thumbnail_bytes > (1u << 20))) it = entries_.erase(it);
            else ++it;
        }
        return &entries_.front();
    }

private:
    std::list<analysed_file> entries_;
};

analysis_cache& cache() {
    static analysis_cache c;  // one files folder per process
    return c;
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
        for (const auto& f : files.list())
            out.push_back({{"path", f.path}, {"type", f.folder ? "folder" : "file"}, {"size", f.size}, {"modified", f.modified}});
        return json_response(req, http::status::ok, {{"files", out}});
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
        return json_response(req, http::status::ok, {{"path", (*body)["to"]}});
    }
    if (ctx.path.rfind(files_prefix, 0) == 0 && req.method() == http::verb::delete_) {
        const auto rel = percent_decode(ctx.path.substr(files_prefix.size()));
        auto* job_file = ctx.app.printer().job_active() ? &ctx.app.printer() : nullptr;
        if (job_file && ctx.app.printer().job_json().value("file", "") == rel)
            return error_response(req, http::status::conflict, "the file is being printed");
        if (!files.remove(rel, why)) return error_response(req, http::status::not_found, why);
        return json_response(req, http::status::ok, {{"deleted", rel}});
    }
    for (const std::string prefix : {"/api/v1/metadata/", "/api/v1/thumbnail/"}) {
        if (ctx.path.rfind(prefix, 0) != 0 || req.method() != http::verb::get) continue;
        auto path = files.resolve(percent_decode(ctx.path.substr(prefix.size())), why);
        if (!path) return error_response(req, http::status::bad_request, why);
        const auto* a = cache().get(*path, why);
        if (!a) return error_response(req, http::status::not_found, why);
        if (prefix == "/api/v1/metadata/") return text_response(req, http::status::ok, a->metadata, "application/json");
        if (a->thumbnail.empty()) return error_response(req, http::status::not_found, "the file has no thumbnail");
        return text_response(req, http::status::ok, a->thumbnail, a->thumbnail_type);
    }
    return std::nullopt;
}

}  // namespace printgate::edge
