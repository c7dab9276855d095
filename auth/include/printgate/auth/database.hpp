#pragma once
// The auth database: one SQLite file (WAL mode, mode 0600) holding users, sessions,
// recovery codes, known devices, API keys and the audit log. Opening it brings the schema
// up to date. The stores (user_store, session_store, ...) share one database; each call
// holds the database's lock, so they may be used from several threads.
#include <filesystem>
#include <memory>
#include <mutex>

#include "printgate/auth/result.hpp"

namespace printgate::auth {

namespace detail {
class sqlite_db;
}

class database {
public:
    // Creates the file (0600) if missing, tightens an existing file to 0600, turns on WAL
    // and foreign keys, and runs pending migrations. A file written by a newer printgate
    // (a schema version this build does not know) is refused rather than guessed at.
    static result<std::unique_ptr<database>> open(const std::filesystem::path& file);
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    int schema_version() const { return schema_version_; }
    static int latest_schema_version();
    const std::filesystem::path& path() const { return path_; }

    // For auth's own stores only (detail::sqlite_db is private to auth/src).
    detail::sqlite_db& sql() { return *db_; }
    std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }

private:
    database(std::filesystem::path path, std::unique_ptr<detail::sqlite_db> db, int version);

    std::filesystem::path path_;
    std::unique_ptr<detail::sqlite_db> db_;
    int schema_version_;
    std::mutex mutex_;
};

}  // namespace printgate::auth
