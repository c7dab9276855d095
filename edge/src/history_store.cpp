#include "printgate/edge/history_store.hpp"

#include "sqlite_statement.hpp"

#include <sqlite3.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

namespace printgate::edge {

namespace {

using statement = sqlite_statement;

constexpr const char* columns =
    "id, file, user, status, started_at, ended_at, print_time_s, filament_mm, hotend_max, bed_max, cause, "
    "last_line, last_z, origin";

history_row read_row(sqlite3_stmt* s) {
    auto text = [&](int i) {
        auto* p = sqlite3_column_text(s, i);
        return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
    };
    history_row r;
    r.id = sqlite3_column_int64(s, 0);
    r.file = text(1);
    r.user = text(2);
    r.status = text(3);
    r.started_at = sqlite3_column_int64(s, 4);
    r.ended_at = sqlite3_column_int64(s, 5);
    r.print_time_s = sqlite3_column_double(s, 6);
    r.filament_mm = sqlite3_column_double(s, 7);
    r.hotend_max = sqlite3_column_double(s, 8);
    r.bed_max = sqlite3_column_double(s, 9);
    r.cause = text(10);
    r.last_line = static_cast<std::uint64_t>(sqlite3_column_int64(s, 11));
    if (sqlite3_column_type(s, 12) != SQLITE_NULL) r.last_z = sqlite3_column_double(s, 12);
    r.origin = text(13);
    return r;
}

}  // namespace

std::unique_ptr<history_store> history_store::open(const std::filesystem::path& file, std::string& error) {
    // Create it 0600 before SQLite does (SQLite would use the umask).
    const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + file.string();
        return nullptr;
    }
    ::close(fd);
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
        error = "cannot open " + file.string() + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return nullptr;
    }
    std::unique_ptr<history_store> store(new history_store(db));
    sqlite3_busy_timeout(db, 2000);
    const bool ok = store->exec("PRAGMA journal_mode=WAL") && store->exec("PRAGMA synchronous=NORMAL") &&
                    store->exec(
                        "CREATE TABLE IF NOT EXISTS jobs ("
                        " id INTEGER PRIMARY KEY AUTOINCREMENT, file TEXT NOT NULL, user TEXT NOT NULL DEFAULT '',"
                        " status TEXT NOT NULL, started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL DEFAULT 0,"
                        " print_time_s REAL NOT NULL DEFAULT 0, filament_mm REAL NOT NULL DEFAULT 0,"
                        " hotend_max REAL NOT NULL DEFAULT 0, bed_max REAL NOT NULL DEFAULT 0,"
                        " cause TEXT NOT NULL DEFAULT '', last_line INTEGER NOT NULL DEFAULT 0, last_z REAL)");
    if (!ok) {
        error = "cannot set up " + file.string() + ": " + sqlite3_errmsg(db);
        return nullptr;
    }
    // Journals written before SD card printing have no origin column: every row was a local file.
    bool has_origin = false;
    {
        statement info(db, "SELECT 1 FROM pragma_table_info('jobs') WHERE name='origin'");
        has_origin = info && info.step() == SQLITE_ROW;
    }
    if (!has_origin && !store->exec("ALTER TABLE jobs ADD COLUMN origin TEXT NOT NULL DEFAULT 'local'")) {
        error = "cannot set up " + file.string() + ": " + sqlite3_errmsg(db);
        return nullptr;
    }
    return store;
}

history_store::~history_store() { sqlite3_close(db_); }

bool history_store::exec(const char* sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
    spdlog::error("history: {}", msg ? msg : "?");
    sqlite3_free(msg);
    return false;
}

int history_store::mark_interrupted(std::int64_t now) {
    statement s(db_,
                "UPDATE jobs SET status='interrupted', ended_at=?1,"
                " cause='the edge stopped while printing (killed or power lost)' WHERE status='printing'");
    if (!s) return 0;
    s.bind(1, now);
    if (s.step() != SQLITE_DONE) return 0;
    return sqlite3_changes(db_);
}

std::int64_t history_store::begin_job(const std::string& file, const std::string& user, std::int64_t now,
                                     const std::string& origin) {
    statement s(db_, "INSERT INTO jobs(file, user, status, started_at, origin) VALUES(?1, ?2, 'printing', ?3, ?4)");
    if (!s) return 0;
    s.bind(1, file);
    s.bind(2, user);
    s.bind(3, now);
    s.bind(4, origin);
    if (s.step() != SQLITE_DONE) return 0;
    return sqlite3_last_insert_rowid(db_);
}

bool history_store::checkpoint(std::int64_t id, std::uint64_t last_line, std::optional<double> z, double hotend_max,
                               double bed_max) {
    statement s(db_,
                "UPDATE jobs SET last_line=?2, last_z=?3, hotend_max=max(hotend_max, ?4), bed_max=max(bed_max, ?5)"
                " WHERE id=?1 AND status='printing'");
    if (!s) return false;
    s.bind(1, id);
    s.bind(2, static_cast<std::int64_t>(last_line));
    if (z) s.bind(3, *z); else s.bind_null(3);
    s.bind(4, hotend_max);
    s.bind(5, bed_max);
    return s.step() == SQLITE_DONE;
}

bool history_store::finish_job(const history_row& r) {
    statement s(db_,
                "UPDATE jobs SET status=?2, ended_at=?3, print_time_s=?4, filament_mm=?5, hotend_max=max(hotend_max, ?6),"
                " bed_max=max(bed_max, ?7), cause=?8, last_line=?9, last_z=?10 WHERE id=?1");
    if (!s) return false;
    s.bind(1, r.id);
    s.bind(2, r.status);
    s.bind(3, r.ended_at);
    s.bind(4, r.print_time_s);
    s.bind(5, r.filament_mm);
    s.bind(6, r.hotend_max);
    s.bind(7, r.bed_max);
    s.bind(8, r.cause);
    s.bind(9, static_cast<std::int64_t>(r.last_line));
    if (r.last_z) s.bind(10, *r.last_z); else s.bind_null(10);
    return s.step() == SQLITE_DONE;
}

std::optional<history_row> history_store::get(std::int64_t id) {
    statement s(db_, (std::string("SELECT ") + columns + " FROM jobs WHERE id=?1").c_str());
    if (!s) return std::nullopt;
    s.bind(1, id);
    if (s.step() != SQLITE_ROW) return std::nullopt;
    return read_row(s.get());
}

std::vector<history_row> history_store::list(std::size_t limit, std::int64_t before_id) {
    std::vector<history_row> rows;
    statement s(db_, (std::string("SELECT ") + columns + " FROM jobs WHERE (?1 = 0 OR id < ?1) ORDER BY id DESC LIMIT ?2").c_str());
    if (!s) return rows;
    s.bind(1, before_id);
    s.bind(2, static_cast<std::int64_t>(limit));
    while (s.step() == SQLITE_ROW) rows.push_back(read_row(s.get()));
    return rows;
}

history_totals history_store::totals() {
    history_totals t;
    statement s(db_,
                "SELECT count(*), sum(status='completed'), sum(status='cancelled'), sum(status='failed'),"
                " sum(status='interrupted'), total(print_time_s), total(filament_mm) FROM jobs");
    if (!s || s.step() != SQLITE_ROW) return t;
    auto* st = s.get();
    t.jobs = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    t.completed = static_cast<std::uint64_t>(sqlite3_column_int64(st, 1));
    t.cancelled = static_cast<std::uint64_t>(sqlite3_column_int64(st, 2));
    t.failed = static_cast<std::uint64_t>(sqlite3_column_int64(st, 3));
    t.interrupted = static_cast<std::uint64_t>(sqlite3_column_int64(st, 4));
    t.print_time_s = sqlite3_column_double(st, 5);
    t.filament_mm = sqlite3_column_double(st, 6);
    return t;
}

}  // namespace printgate::edge
