#pragma once
// A thin RAII layer over SQLite's C API for the relay's registry: one connection, prepared
// statements with bound parameters only (never string-built SQL), errors as messages.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace printgate::relay::detail {

class statement {
public:
    statement(sqlite3* db, std::string_view sql);
    ~statement();
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    bool ok() const { return stmt_ != nullptr; }
    statement& bind(int index, std::string_view text);
    statement& bind(int index, std::int64_t value);
    statement& bind_null(int index);
    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step();
    // Ends a read early (so that COMMIT never waits on it).
    void reset();
    std::string text(int column) const;
    std::int64_t integer(int column) const;
    bool is_null(int column) const;

private:
    sqlite3_stmt* stmt_ = nullptr;
};

class connection {
public:
    ~connection();
    // Opens (creating, mode 0600) with WAL, foreign keys and a busy timeout for the CLI and
    // the running relay writing the same file.
    static std::optional<connection> open(const std::string& file, std::string& error);
    connection(connection&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    connection& operator=(connection&&) = delete;

    sqlite3* get() const { return db_; }
    bool exec(std::string_view sql);
    std::string error() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

private:
    explicit connection(sqlite3* db) : db_(db) {}
    sqlite3* db_ = nullptr;
};

}  // namespace printgate::relay::detail
