#pragma once
// The job journal in SQLite (WAL): one row per job, written when the job starts, updated with
// progress checkpoints at a bounded rate while it runs, and closed when it ends. A row still
// 'printing' when the edge starts belonged to a process that died: it becomes 'interrupted',
// keeping the last checkpoint (acknowledged file line and Z) so the owner can resume.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace printgate::edge {

struct history_row {
    std::int64_t id = 0;
    std::string file;
    std::string user;
    std::string status;  // printing, completed, cancelled, failed, interrupted
    std::int64_t started_at = 0;  // unix seconds
    std::int64_t ended_at = 0;    // 0 while printing
    double print_time_s = 0;
    double filament_mm = 0;
    double hotend_max = 0, bed_max = 0;  // temperature extremes seen
    std::string cause;                   // why it failed / was interrupted
    std::uint64_t last_line = 0;         // last acknowledged file line
    std::optional<double> last_z;
    std::string origin = "local";        // local (a file here) or sdcard (the printer's card)
};

struct history_totals {
    std::uint64_t jobs = 0, completed = 0, cancelled = 0, failed = 0, interrupted = 0;
    double print_time_s = 0, filament_mm = 0;
};

class history_store {
public:
    // Opens (creates, 0600) the database; nullptr with `error` set when it cannot.
    static std::unique_ptr<history_store> open(const std::filesystem::path& file, std::string& error);
    ~history_store();
    history_store(const history_store&) = delete;
    history_store& operator=(const history_store&) = delete;

    // Rows left 'printing' by a process that died become 'interrupted'. Returns how many.
    int mark_interrupted(std::int64_t now);

    std::int64_t begin_job(const std::string& file, const std::string& user, std::int64_t now,
                           const std::string& origin = "local");
    bool checkpoint(std::int64_t id, std::uint64_t last_line, std::optional<double> z, double hotend_max,
                    double bed_max);
    bool finish_job(const history_row& final_row);

    std::optional<history_row> get(std::int64_t id);
    std::vector<history_row> list(std::size_t limit, std::int64_t before_id = 0);
    history_totals totals();

private:
    explicit history_store(sqlite3* db) : db_(db) {}
    bool exec(const char* sql);
    sqlite3* db_;
};

}  // namespace printgate::edge
