#pragma once
// Every public store method runs its SQL through this: it holds the database lock and turns
// SQLite failures into result errors, so callers see values, never exceptions.
#include <utility>

#include "printgate/auth/database.hpp"
#include "printgate/auth/result.hpp"
#include "sqlite_db.hpp"

namespace printgate::auth::detail {

template <class F>
auto store_call(database& db, F&& body) -> decltype(body()) {
    auto lock = db.lock();
    try {
        return std::forward<F>(body)();
    } catch (const sqlite_constraint& e) {
        return error{errc::conflict, std::string("database constraint: ") + e.what()};
    } catch (const sqlite_error& e) {
        return error{errc::storage, std::string("database: ") + e.what()};
    }
}

}  // namespace printgate::auth::detail
