// A thin RAII layer over the SQLite C API: a connection, prepared statements
// and transactions. Errors come back as values naming the database file.
// Callers: the SQLite store. Not thread-safe by itself; the store locks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include <sqlite3.h>

#include "lib/result.hpp"

namespace uun::server {

class sqlite_statement {
public:
    sqlite_statement(sqlite3* db, sqlite3_stmt* stmt, std::string origin);
    ~sqlite_statement();
    sqlite_statement(sqlite_statement&& other) noexcept;
    sqlite_statement(const sqlite_statement&) = delete;
    sqlite_statement& operator=(const sqlite_statement&) = delete;
    sqlite_statement& operator=(sqlite_statement&&) = delete;

    sqlite_statement& bind(int index, std::string_view text);
    sqlite_statement& bind(int index, std::int64_t value);
    sqlite_statement& bind_null(int index);

    // true: a row is ready; false: done.
    result<bool> step();
    result<void> run();  // steps to completion

    // Calls on_row(*this) for each row. on_row returns void (go on), bool
    // (false: stop) or result<bool> (an error ends the walk and is returned).
    template <class OnRow>
    result<void> each_row(OnRow&& on_row);
    void reset();        // ready to bind and run again

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
    std::string origin_;
};

class sqlite_db {
public:
    static result<sqlite_db> open(const std::string& path);
    ~sqlite_db();
    sqlite_db(sqlite_db&& other) noexcept;
    sqlite_db(const sqlite_db&) = delete;
    sqlite_db& operator=(const sqlite_db&) = delete;
    sqlite_db& operator=(sqlite_db&&) = delete;

    result<void> exec(const std::string& sql);
    result<sqlite_statement> prepare(const std::string& sql);
    std::int64_t changes() const;
    const std::string& path() const { return path_; }

private:
    sqlite_db(sqlite3* db, std::string path);
    sqlite3* db_;
    std::string path_;
};

template <class OnRow>
result<void> sqlite_statement::each_row(OnRow&& on_row)
{
    using answer = std::invoke_result_t<OnRow&, sqlite_statement&>;
    for (;;) {
        auto row = step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            return {};
        if constexpr (std::is_void_v<answer>) {
            on_row(*this);
        } else if constexpr (std::is_same_v<answer, bool>) {
            if (!on_row(*this))
                return {};
        } else {
            auto go_on = on_row(*this);
            if (!go_on)
                return std::unexpected(go_on.error());
            if (!*go_on)
                return {};
        }
    }
}

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() succeeded.
class sqlite_transaction {
public:
    static result<sqlite_transaction> begin(sqlite_db& db);
    ~sqlite_transaction();
    sqlite_transaction(sqlite_transaction&& other) noexcept;
    sqlite_transaction(const sqlite_transaction&) = delete;
    sqlite_transaction& operator=(const sqlite_transaction&) = delete;
    sqlite_transaction& operator=(sqlite_transaction&&) = delete;
    result<void> commit();

private:
    explicit sqlite_transaction(sqlite_db* db) : db_(db) {}
    sqlite_db* db_;
};

}  // namespace uun::server
