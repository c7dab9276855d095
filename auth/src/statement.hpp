#pragma once
// A prepared SQLite statement: values are always bound, never spliced into SQL text.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace printgate::auth::detail {

class statement {
public:
    statement(sqlite3* db, std::string_view sql);
    ~statement();
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    // Parameters are numbered from 1, as in SQL's ?1, ?2 ...
    statement& bind(int index, std::int64_t value);
    statement& bind(int index, std::string_view text);
    statement& bind(int index, std::span<const std::uint8_t> blob);
    statement& bind_null(int index);
    template <class T>
    statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    // True while there is a row to read; false when done. Throws sqlite_error otherwise.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    // Ready to run again from the start, parameters unbound: a statement kept for a query
    // made on every request is parsed once.
    void reset();

    bool is_null(int column) const;
    std::int64_t int64(int column) const;
    std::string text(int column) const;
    std::vector<std::uint8_t> blob(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace printgate::auth::detail
