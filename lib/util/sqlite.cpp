// SQLite RAII wrapper (see header). Statement text stays ours; values are
// always bound, never spliced into SQL.
#include "lib/util/sqlite.hpp"

#include <cstdlib>
#include <utility>

namespace uun {

sqlite_statement::sqlite_statement(sqlite_connection* connection, sqlite3_stmt* stmt,
                                   sqlite_connection::statement_map::node_type node)
    : connection_(connection), stmt_(stmt), node_(std::move(node))
{
}

sqlite_statement::~sqlite_statement()
{
    if (stmt_ == nullptr)
        return;
    if (node_.empty()) {
        sqlite3_finalize(stmt_);
        return;
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    node_.mapped() = stmt_;
    auto back = connection_->idle.insert(std::move(node_));
    if (!back.inserted) {  // the same text was lent out twice: keep one
        sqlite3_finalize(back.node.mapped());
        --connection_->cached;
    }
}

sqlite_statement::sqlite_statement(sqlite_statement&& other) noexcept
    : connection_(other.connection_), stmt_(std::exchange(other.stmt_, nullptr)), node_(std::move(other.node_))
{
}

sqlite_statement& sqlite_statement::bind(int index, std::string_view text)
{
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK)
        std::abort();  // a wrong index is our bug
    return *this;
}

sqlite_statement& sqlite_statement::bind(int index, std::int64_t value)
{
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK)
        std::abort();
    return *this;
}

sqlite_statement& sqlite_statement::bind_null(int index)
{
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK)
        std::abort();
    return *this;
}

result<bool> sqlite_statement::step()
{
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    return fail(cat(connection_->path, ": ", sqlite3_errmsg(connection_->db)));
}

result<void> sqlite_statement::run()
{
    for (;;) {
        auto r = step();
        if (!r)
            return std::unexpected(r.error());
        if (!*r)
            return {};
    }
}

void sqlite_statement::reset()
{
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t sqlite_statement::int64(int column) const
{
    return sqlite3_column_int64(stmt_, column);
}

std::string sqlite_statement::text(int column) const
{
    const unsigned char* p = sqlite3_column_text(stmt_, column);
    int n = sqlite3_column_bytes(stmt_, column);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
}

bool sqlite_statement::is_null(int column) const
{
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

sqlite_db::sqlite_db(std::unique_ptr<sqlite_connection> connection) : connection_(std::move(connection)) {}

sqlite_db::~sqlite_db()
{
    if (!connection_)
        return;
    for (auto& [sql, stmt] : connection_->idle)
        sqlite3_finalize(stmt);
    sqlite3_close_v2(connection_->db);
}

sqlite_db::sqlite_db(sqlite_db&& other) noexcept : connection_(std::move(other.connection_)) {}

result<sqlite_db> sqlite_db::open(const std::string& path, std::string_view what,
                                  std::chrono::milliseconds busy_timeout)
{
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return fail(cat(path, ": cannot open ", what, ": ", why));
    }
    sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
    sqlite3_extended_result_codes(db, 1);
    auto connection = std::make_unique<sqlite_connection>();
    connection->db = db;
    connection->path = path;
    return sqlite_db(std::move(connection));
}

result<void> sqlite_db::exec(const std::string& sql)
{
    char* err = nullptr;
    sqlite3* db = connection_->db;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string why = err ? err : sqlite3_errmsg(db);
        sqlite3_free(err);
        return fail(cat(connection_->path, ": ", why));
    }
    return {};
}

result<sqlite_statement> sqlite_db::prepare(const std::string& sql)
{
    auto& c = *connection_;
    if (auto it = c.idle.find(sql); it != c.idle.end()) {
        sqlite3_stmt* stmt = it->second;
        return sqlite_statement(&c, stmt, c.idle.extract(it));
    }
    bool keep = c.cached < max_cached_statements;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(c.db, sql.c_str(), static_cast<int>(sql.size()), keep ? SQLITE_PREPARE_PERSISTENT : 0,
                           &stmt, nullptr) != SQLITE_OK)
        return fail(cat(c.path, ": ", sqlite3_errmsg(c.db)));
    if (!keep || stmt == nullptr)  // nullptr: the text held no statement
        return sqlite_statement(&c, stmt, {});
    ++c.cached;
    sqlite_connection::statement_map scratch;
    return sqlite_statement(&c, stmt, scratch.extract(scratch.emplace(sql, stmt).first));
}

std::int64_t sqlite_db::changes() const
{
    return sqlite3_changes64(connection_->db);
}

namespace {

// BEGIN, COMMIT and ROLLBACK as cached statements, like every other.
result<void> run_cached(sqlite_db& db, const std::string& sql)
{
    auto st = db.prepare(sql);
    if (!st)
        return std::unexpected(st.error());
    return st->run();
}

}  // namespace

result<sqlite_transaction> sqlite_transaction::begin(sqlite_db& db)
{
    if (auto r = run_cached(db, "BEGIN IMMEDIATE"); !r)
        return std::unexpected(r.error());
    return sqlite_transaction(&db);
}

sqlite_transaction::~sqlite_transaction()
{
    if (db_ != nullptr)
        (void)run_cached(*db_, "ROLLBACK");
}

sqlite_transaction::sqlite_transaction(sqlite_transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

result<void> sqlite_transaction::commit()
{
    auto r = run_cached(*db_, "COMMIT");
    if (r)
        db_ = nullptr;
    return r;
}

}  // namespace uun
