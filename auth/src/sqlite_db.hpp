#pragma once
// The one SQLite connection of an auth database, and its errors. Store code talks SQL
// through this and `statement`; nothing else in auth/ sees sqlite3.h.
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "statement.hpp"

namespace printgate::auth::detail {

struct sqlite_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
// UNIQUE / CHECK / FOREIGN KEY violations: usually a caller's conflict, not a broken disk.
struct sqlite_constraint : sqlite_error {
    using sqlite_error::sqlite_error;
};

class sqlite_db {
public:
    explicit sqlite_db(const std::filesystem::path& path);
    ~sqlite_db();
    sqlite_db(const sqlite_db&) = delete;
    sqlite_db& operator=(const sqlite_db&) = delete;

    statement prepare(std::string_view sql) { return statement(db_, sql); }
    // For a statement kept and run again (statement::reset); finalized before the connection.
    std::unique_ptr<statement> prepare_kept(std::string_view sql) { return std::make_unique<statement>(db_, sql); }
    void exec(const std::string& sql);
    std::int64_t changes() const;
    std::int64_t total_changes() const;  // rows this connection changed since it opened
    std::int64_t last_insert_rowid() const;

    // Runs body inside BEGIN IMMEDIATE ... COMMIT (rolled back if body throws). IMMEDIATE
    // takes the write lock up front, so read-then-write sequences cannot interleave with
    // another process's writes.
    void transaction(const std::function<void()>& body);

private:
    sqlite3* db_ = nullptr;
};

}  // namespace printgate::auth::detail
