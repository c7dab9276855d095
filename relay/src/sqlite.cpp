#include "sqlite.hpp"

#include <sys/stat.h>

namespace printgate::relay::detail {

statement::statement(sqlite3* db, std::string_view sql) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
    }
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement& statement::bind(int index, std::string_view text) {
    if (stmt_) sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

statement& statement::bind(int index, std::int64_t value) {
    if (stmt_) sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

statement& statement::bind_null(int index) {
    if (stmt_) sqlite3_bind_null(stmt_, index);
    return *this;
}

void statement::reset() {
    if (stmt_) sqlite3_reset(stmt_);
}

int statement::step() { return stmt_ ? sqlite3_step(stmt_) : SQLITE_MISUSE; }

std::string statement::text(int column) const {
    const unsigned char* t = sqlite3_column_text(stmt_, column);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string();
}

std::int64_t statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
bool statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

connection::~connection() { sqlite3_close(db_); }

std::optional<connection> connection::open(const std::string& file, std::string& error) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    connection c(db);
    if (rc != SQLITE_OK) {
        error = "cannot open " + file + ": " + c.error();
        return std::nullopt;
    }
    ::chmod(file.c_str(), 0600);
    sqlite3_busy_timeout(db, 5000);
    if (!c.exec("PRAGMA journal_mode=WAL") || !c.exec("PRAGMA foreign_keys=ON") ||
        !c.exec("PRAGMA synchronous=NORMAL")) {
        error = "cannot set up " + file + ": " + c.error();
        return std::nullopt;
    }
    return c;
}

bool connection::exec(std::string_view sql) {
    std::string text(sql);
    return sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

}  // namespace printgate::relay::detail
