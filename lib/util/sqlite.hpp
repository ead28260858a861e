// A thin RAII layer over the SQLite C API: a connection, prepared statements
// and transactions. Prepared statements are kept by SQL text and reused (a
// poll's four statements were 30 % of uun-server's instructions when each
// was prepared anew). Errors come back as values naming the database file.
// Callers: the vendor's SQLite store (server/store) and uun-milter's replay
// cache. Not thread-safe by itself; each caller locks, and a statement must
// not outlive its sqlite_db.
#pragma once

#include "lib/util/result.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

namespace uun {

inline constexpr std::size_t max_cached_statements = 64;

// What a connection and its statements share; its address never changes.
struct sqlite_connection {
    using statement_map = std::unordered_map<std::string, sqlite3_stmt*>;
    sqlite3* db = nullptr;
    std::string path;
    statement_map idle;  // prepared, reset, ready for the next prepare() of the same text
    std::size_t cached = 0;  // idle ones and those lent out that go back to idle
};

class sqlite_statement {
public:
    // node: set when the statement goes back to the connection's cache afterwards.
    sqlite_statement(sqlite_connection* connection, sqlite3_stmt* stmt, sqlite_connection::statement_map::node_type node);
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

    // read(*this) of the first row, or nothing when there is no row.
    template <class Read>
    result<std::optional<std::invoke_result_t<Read&, sqlite_statement&>>> first_row(Read&& read);
    void reset();        // ready to bind and run again

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    bool is_null(int column) const;

private:
    sqlite_connection* connection_;
    sqlite3_stmt* stmt_;
    sqlite_connection::statement_map::node_type node_;
};

class sqlite_db {
public:
    // what names the file in an error ("cannot open <what>"); busy_timeout is
    // how long a statement waits for another process's write lock.
    static result<sqlite_db> open(const std::string& path, std::string_view what = "the database",
                                  std::chrono::milliseconds busy_timeout = std::chrono::seconds(10));
    ~sqlite_db();
    sqlite_db(sqlite_db&& other) noexcept;
    sqlite_db(const sqlite_db&) = delete;
    sqlite_db& operator=(const sqlite_db&) = delete;
    sqlite_db& operator=(sqlite_db&&) = delete;

    result<void> exec(const std::string& sql);
    // A statement for sql: the cached one when it is idle, else a new one.
    result<sqlite_statement> prepare(const std::string& sql);
    std::int64_t changes() const;
    const std::string& path() const { return connection_->path; }
    std::size_t cached_statements() const { return connection_->cached; }

private:
    explicit sqlite_db(std::unique_ptr<sqlite_connection> connection);
    std::unique_ptr<sqlite_connection> connection_;
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

template <class Read>
result<std::optional<std::invoke_result_t<Read&, sqlite_statement&>>> sqlite_statement::first_row(Read&& read)
{
    using value = std::invoke_result_t<Read&, sqlite_statement&>;
    auto row = step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<value>{};
    return std::optional<value>{read(*this)};
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

}  // namespace uun
