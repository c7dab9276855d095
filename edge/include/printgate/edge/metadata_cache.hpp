#pragma once
// What printer/'s G-code analysis said about each stored file (estimates, layers, bounding box,
// the largest thumbnail), kept in its own SQLite file keyed by relative path, size and
// modification time, so that listings and file browsers do not read the files again, not even
// after a restart. It is only a cache: a missing, corrupt or unreadable database is made anew,
// and when even that fails every lookup analyses the file (never an error for the caller).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

struct sqlite3;

namespace printgate::edge {

struct file_metadata {
    std::string json;            // the analysis as JSON text
    std::string thumbnail;       // the largest embedded thumbnail, "" when none
    std::string thumbnail_type;  // image/png, image/jpeg or image/qoi
};

class metadata_cache {
public:
    // Reads `file` and describes it; nullopt with `error` when it cannot.
    using analyser = std::function<std::optional<file_metadata>(const std::filesystem::path& file, std::string& error)>;
    static std::optional<file_metadata> analyse_gcode(const std::filesystem::path& file, std::string& error);

    explicit metadata_cache(std::filesystem::path db_file, analyser analyse = analyse_gcode);
    ~metadata_cache();
    metadata_cache(const metadata_cache&) = delete;
    metadata_cache& operator=(const metadata_cache&) = delete;

    // The metadata of `file` (on disk), stored under `key` (its path relative to the files
    // folder): from the cache when size and modification time still match, else analysed and
    // stored. nullopt with `error` when the file cannot be read.
    std::optional<file_metadata> get(const std::string& key, const std::filesystem::path& file, std::string& error);
    // Only what is cached and still current; never reads the file.
    std::optional<file_metadata> peek(const std::string& key, const std::filesystem::path& file);
    // Forgets `key` and everything under it (a folder): after an upload, a move or a delete.
    void invalidate(const std::string& key);

    bool persistent() const { return db_ != nullptr; }
    std::uint64_t analyses() const { return analyses_; }  // files read since construction

private:
    struct file_stamp {
        std::int64_t size = -1, mtime_ns = -1;
    };
    static std::optional<file_stamp> stamp(const std::filesystem::path& file, std::string& error);
    bool open_db();
    void close_db();
    std::optional<file_metadata> lookup(const std::string& key, const file_stamp& st);
    void store(const std::string& key, const file_stamp& st, const file_metadata& m);
    // A failed statement on an open database: drop it and start from an empty one.
    void rebuild(const char* what);

    std::filesystem::path db_file_;
    analyser analyse_;
    sqlite3* db_ = nullptr;
    std::uint64_t analyses_ = 0;
};

}  // namespace printgate::edge
