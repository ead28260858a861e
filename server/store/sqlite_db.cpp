// SQLite RAII wrapper (see header). Statement text stays ours; values are
// always bound, never spliced into SQL.
#include "server/store/sqlite_db.hpp"

#include <cstdlib>
#include <utility>

namespace uun::server {

namespace {

constexpr int busy_timeout_ms = 10000;  // uun-publish and uun-server share the file

}  // namespace

sqlite_statement::sqlite_statement(sqlite3* db, sqlite3_stmt* stmt, std::string origin)
    : db_(db), stmt_(stmt), origin_(std::move(origin))
{
}

sqlite_statement::~sqlite_statement()
{
    if (stmt_ != nullptr)
        sqlite3_finalize(stmt_);
}

sqlite_statement::sqlite_statement(sqlite_statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), origin_(std::move(other.origin_))
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
    return fail(cat(origin_, ": ", sqlite3_errmsg(db_)));
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

sqlite_db::sqlite_db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

sqlite_db::~sqlite_db()
{
    if (db_ != nullptr)
        sqlite3_close_v2(db_);
}

sqlite_db::sqlite_db(sqlite_db&& other) noexcept : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_))
{
}

result<sqlite_db> sqlite_db::open(const std::string& path)
{
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close_v2(db);
        return fail(cat(path, ": cannot open the store: ", why));
    }
    sqlite3_busy_timeout(db, busy_timeout_ms);
    sqlite3_extended_result_codes(db, 1);
    return sqlite_db(db, path);
}

result<void> sqlite_db::exec(const std::string& sql)
{
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string why = err ? err : sqlite3_errmsg(db_);
        sqlite3_free(err);
        return fail(cat(path_, ": ", why));
    }
    return {};
}

result<sqlite_statement> sqlite_db::prepare(const std::string& sql)
{
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
        return fail(cat(path_, ": ", sqlite3_errmsg(db_)));
    return sqlite_statement(db_, stmt, path_);
}

std::int64_t sqlite_db::changes() const
{
    return sqlite3_changes64(db_);
}

result<sqlite_transaction> sqlite_transaction::begin(sqlite_db& db)
{
    if (auto r = db.exec("BEGIN IMMEDIATE"); !r)
        return std::unexpected(r.error());
    return sqlite_transaction(&db);
}

sqlite_transaction::~sqlite_transaction()
{
    if (db_ != nullptr)
        (void)db_->exec("ROLLBACK");
}

sqlite_transaction::sqlite_transaction(sqlite_transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

result<void> sqlite_transaction::commit()
{
    auto r = db_->exec("COMMIT");
    if (r)
        db_ = nullptr;
    return r;
}

}  // namespace uun::server
