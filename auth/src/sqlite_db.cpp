#include "sqlite_db.hpp"

#include <sqlite3.h>

namespace printgate::auth::detail {

sqlite_db::sqlite_db(const std::filesystem::path& path) {
    int rc = sqlite3_open_v2(path.c_str(), &db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                             nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw sqlite_error("open " + path.string() + ": " + message);
    }
    sqlite3_extended_result_codes(db_, 1);
    // Another process (the admin CLI) may hold the write lock for a moment.
    sqlite3_busy_timeout(db_, 5000);
}

sqlite_db::~sqlite_db() { sqlite3_close_v2(db_); }

void sqlite_db::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string message = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        throw sqlite_error(message);
    }
}

std::int64_t sqlite_db::changes() const { return sqlite3_changes64(db_); }

std::int64_t sqlite_db::total_changes() const { return sqlite3_total_changes64(db_); }

std::int64_t sqlite_db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

void sqlite_db::transaction(const std::function<void()>& body) {
    exec("BEGIN IMMEDIATE");
    try {
        body();
        exec("COMMIT");
    } catch (...) {
        // ROLLBACK fails harmlessly if SQLite already rolled back on its own.
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

}  // namespace printgate::auth::detail
