#include "printgate/edge/metadata_cache.hpp"

#include "printgate/printer/gcode_analysis.hpp"
#include "sqlite_statement.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace printgate::edge {

namespace {

// Bump when the stored JSON changes shape: an older cache is then emptied, not misread.
constexpr int format_version = 1;

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

bool exec(sqlite3* db, const char* sql) { return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }

}  // namespace

std::optional<file_metadata> metadata_cache::analyse_gcode(const std::filesystem::path& file, std::string& error) {
    auto result = printer::analyze_gcode_file(file);
    if (!result) {
        error = "cannot read the file: " + result.error.message();
        return std::nullopt;
    }
    file_metadata m{analysis_json(*result.analysis).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}, {}};
    if (!result.analysis->thumbnails.empty()) {
        const auto& t = result.analysis->thumbnails.back();  // slicers list the small one first
        m.thumbnail.assign(t.data.begin(), t.data.end());
        m.thumbnail_type = t.format == printer::thumbnail_format::png   ? "image/png"
                           : t.format == printer::thumbnail_format::jpg ? "image/jpeg"
                                                                        : "image/qoi";
    }
    return m;
}

metadata_cache::metadata_cache(std::filesystem::path db_file, analyser analyse)
    : db_file_(std::move(db_file)), analyse_(std::move(analyse)) {
    if (open_db()) return;
    rebuild("cannot be opened");
}

metadata_cache::~metadata_cache() { close_db(); }

void metadata_cache::close_db() {
    if (db_) sqlite3_close(db_);
    db_ = nullptr;
}

bool metadata_cache::open_db() {
    // 0600 before SQLite creates it (SQLite would follow the umask).
    const int fd = ::open(db_file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    ::close(fd);
    if (sqlite3_open_v2(db_file_.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        close_db();
        return false;
    }
    sqlite3_busy_timeout(db_, 500);
    // A file that is not a database, or a damaged one, fails here rather than later.
    bool healthy = false;
    {
        sqlite_statement check(db_, "PRAGMA quick_check");
        healthy = check && check.step() == SQLITE_ROW && check.text(0) == "ok";
    }
    int version = -1;
    if (healthy) {
        sqlite_statement v(db_, "PRAGMA user_version");
        if (v && v.step() == SQLITE_ROW) version = sqlite3_column_int(v.get(), 0);
    }
    const std::string set_version = "PRAGMA user_version=" + std::to_string(format_version);
    const bool ok = healthy && version >= 0 && exec(db_, "PRAGMA journal_mode=WAL") && exec(db_, "PRAGMA synchronous=NORMAL") &&
                    (version == format_version || exec(db_, "DROP TABLE IF EXISTS metadata")) &&
                    exec(db_,
                         "CREATE TABLE IF NOT EXISTS metadata (path TEXT PRIMARY KEY, size INTEGER NOT NULL,"
                         " mtime_ns INTEGER NOT NULL, json TEXT NOT NULL, thumbnail BLOB, thumbnail_type TEXT NOT NULL)") &&
                    exec(db_, set_version.c_str());
    if (!ok) close_db();
    return ok;
}

void metadata_cache::rebuild(const char* what) {
    spdlog::warn("metadata cache {} {}: making it anew", db_file_.string(), what);
    close_db();
    for (const char* suffix : {"", "-wal", "-shm"}) {
        std::filesystem::path p = db_file_.string() + suffix;
        std::error_code ec;
        if (std::filesystem::is_regular_file(std::filesystem::symlink_status(p, ec))) std::filesystem::remove(p, ec);
    }
    if (!open_db()) spdlog::warn("metadata cache {}: unusable; files are analysed on every request", db_file_.string());
}

std::optional<metadata_cache::file_stamp> metadata_cache::stamp(const std::filesystem::path& file, std::string& error) {
    struct stat st{};
    if (::stat(file.c_str(), &st) != 0) {
        error = "cannot read the file: " + std::error_code(errno, std::generic_category()).message();
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        error = "not a file";
        return std::nullopt;
    }
    return file_stamp{static_cast<std::int64_t>(st.st_size),
                      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::optional<file_metadata> metadata_cache::lookup(const std::string& key, const file_stamp& st) {
    if (!db_) return std::nullopt;
    int rc = SQLITE_OK;
    {
        sqlite_statement s(db_, "SELECT size, mtime_ns, json, thumbnail, thumbnail_type FROM metadata WHERE path=?1");
        if (s) {
            s.bind(1, key);
            rc = s.step();
            if (rc == SQLITE_ROW) {
                if (sqlite3_column_int64(s.get(), 0) != st.size || sqlite3_column_int64(s.get(), 1) != st.mtime_ns) return std::nullopt;
                return file_metadata{s.text(2), s.blob(3), s.text(4)};
            }
            if (rc == SQLITE_DONE) return std::nullopt;
        } else {
            rc = sqlite3_errcode(db_);
        }
    }
    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_ERROR) rebuild("is damaged");
    return std::nullopt;
}

void metadata_cache::store(const std::string& key, const file_stamp& st, const file_metadata& m) {
    if (!db_) return;
    int rc = SQLITE_OK;
    {
        sqlite_statement s(db_,
                           "INSERT OR REPLACE INTO metadata(path, size, mtime_ns, json, thumbnail, thumbnail_type)"
                           " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
        if (s) {
            s.bind(1, key);
            s.bind(2, st.size);
            s.bind(3, st.mtime_ns);
            s.bind(4, m.json);
            if (m.thumbnail.empty()) s.bind_null(5);
            else s.bind_blob(5, m.thumbnail);
            s.bind(6, m.thumbnail_type);
            rc = s.step();
            if (rc == SQLITE_DONE) return;
        } else {
            rc = sqlite3_errcode(db_);
        }
    }
    // A full disk or a busy database only costs a later analysis; damage is mended.
    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_ERROR) rebuild("is damaged");
}

std::optional<file_metadata> metadata_cache::peek(const std::string& key, const std::filesystem::path& file) {
    std::string ignored;
    auto st = stamp(file, ignored);
    if (!st) return std::nullopt;
    return lookup(key, *st);
}

std::optional<file_metadata> metadata_cache::get(const std::string& key, const std::filesystem::path& file,
                                                 std::string& error) {
    auto st = stamp(file, error);
    if (!st) return std::nullopt;
    if (auto hit = lookup(key, *st)) return hit;
    ++analyses_;
    auto m = analyse_(file, error);
    if (!m) return std::nullopt;
    // Stored under the stamp taken before reading: a file replaced meanwhile is read again next time.
    store(key, *st, *m);
    return m;
}

void metadata_cache::invalidate(const std::string& key) {
    if (!db_) return;
    sqlite_statement s(db_, "DELETE FROM metadata WHERE path=?1 OR substr(path, 1, length(?1) + 1) = ?1 || '/'");
    if (!s) return;
    s.bind(1, key);
    if (const int rc = s.step(); rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) rebuild("is damaged");
}

}  // namespace printgate::edge
