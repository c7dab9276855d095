#include "printgate/auth/database.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "schema.hpp"
#include "sqlite_db.hpp"

namespace printgate::auth {
namespace {

// SQLite gives the -wal and -shm files the main file's permissions, so creating the main
// file 0600 ourselves (before SQLite does it with 0644) covers all three.
result<void> prepare_file(const std::filesystem::path& file) {
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return error{errc::io, "database " + file.string() + ": cannot open: " + std::strerror(errno)};
    struct stat st{};
    int rc = ::fstat(fd, &st);
    if (rc == 0 && !S_ISREG(st.st_mode)) {
        ::close(fd);
        return error{errc::permission, "database " + file.string() + " is not a regular file"};
    }
    if (rc == 0 && (st.st_mode & 077) != 0) rc = ::fchmod(fd, 0600);
    int saved = errno;
    ::close(fd);
    if (rc != 0) return error{errc::io, "database " + file.string() + ": cannot set mode 0600: " + std::strerror(saved)};
    return {};
}

int read_version(detail::sqlite_db& db) {
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    auto st = db.prepare("SELECT version FROM schema_version");
    if (!st.step()) {
        db.exec("INSERT INTO schema_version (version) VALUES (0)");
        return 0;
    }
    return static_cast<int>(st.int64(0));
}

}  // namespace

database::database(std::filesystem::path path, std::unique_ptr<detail::sqlite_db> db, int version)
    : path_(std::move(path)), db_(std::move(db)), schema_version_(version) {}

database::~database() = default;

int database::latest_schema_version() { return static_cast<int>(detail::migrations().size()); }

result<std::unique_ptr<database>> database::open(const std::filesystem::path& file) {
    if (auto ok = prepare_file(file); !ok) return ok.err();
    try {
        auto db = std::make_unique<detail::sqlite_db>(file);
        db->exec("PRAGMA journal_mode = WAL");
        // NORMAL is durable across application crashes in WAL mode; a power cut may lose
        // the last transactions but never corrupts the file.
        db->exec("PRAGMA synchronous = NORMAL");
        db->exec("PRAGMA foreign_keys = ON");
        // Deleted rows (revoked sessions, used codes) are overwritten, not left in free pages.
        db->exec("PRAGMA secure_delete = ON");
        int version = 0;
        db->transaction([&] { version = read_version(*db); });
        const int latest = latest_schema_version();
        if (version > latest)
            return error{errc::storage, "database " + file.string() + " has schema version " +
                                            std::to_string(version) + ", newer than this printgate understands (" +
                                            std::to_string(latest) + ")"};
        while (version < latest) {
            db->transaction([&] {
                // Re-read inside the write lock: another process may have migrated meanwhile.
                int current = read_version(*db);
                if (current == version) {
                    db->exec(std::string(detail::migrations()[static_cast<std::size_t>(version)]));
                    auto st = db->prepare("UPDATE schema_version SET version = ?1");
                    st.bind(1, std::int64_t{version + 1}).run();
                    current = version + 1;
                }
                version = current;
            });
        }
        return std::unique_ptr<database>(new database(file, std::move(db), version));
    } catch (const detail::sqlite_error& e) {
        return error{errc::storage, std::string("database: ") + e.what()};
    }
}

}  // namespace printgate::auth
