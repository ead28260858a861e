// SQLite replay cache (see header). One connection, serialised by our own
// mutex; each admission is one IMMEDIATE transaction with synchronous=FULL,
// so a recorded nonce is on disk before the mail is answered.
#include "milter/filter/replay_cache.hpp"

#include <sqlite3.h>

namespace uun::milter {

namespace {

// Rolls back the open transaction unless commit() was reached.
class transaction {
public:
    explicit transaction(sqlite3* db) : db_(db) {}
    ~transaction()
    {
        if (open_)
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    bool begin()
    {
        open_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
        return open_;
    }
    bool commit()
    {
        if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
            return false;
        open_ = false;
        return true;
    }

private:
    sqlite3* db_;
    bool open_ = false;
};

// Resets a prepared statement when the scope ends, whatever happened.
struct statement_use {
    explicit statement_use(sqlite3_stmt* s) : stmt(s) {}
    ~statement_use()
    {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
    statement_use(const statement_use&) = delete;
    statement_use& operator=(const statement_use&) = delete;
    sqlite3_stmt* stmt;
};

}  // namespace

replay_cache::replay_cache(sqlite3* db, std::uint64_t max_entries, const clock& clock)
    : db_(db), max_entries_(max_entries), clock_(clock)
{
}

replay_cache::~replay_cache()
{
    for (sqlite3_stmt* s : {find_, insert_, prune_, count_})
        sqlite3_finalize(s);
    sqlite3_close(db_);
}

result<std::unique_ptr<replay_cache>> replay_cache::open(const std::string& path, std::uint64_t max_entries,
                                                         const clock& clock)
{
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
        std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return fail(cat(path, ": cannot open the replay cache: ", why));
    }
    std::unique_ptr<replay_cache> cache(new replay_cache(db, max_entries, clock));
    if (auto ok = cache->prepare(); !ok)
        return fail(cat(path, ": ", ok.error().message));
    return cache;
}

result<void> replay_cache::exec(const char* sql)
{
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
        std::string why = message ? message : sqlite3_errmsg(db_);
        sqlite3_free(message);
        return fail(why);
    }
    return {};
}

result<void> replay_cache::prepare()
{
    sqlite3_busy_timeout(db_, 5000);
    for (const char* sql : {"PRAGMA synchronous=FULL",
                            "CREATE TABLE IF NOT EXISTS seen (nonce TEXT PRIMARY KEY NOT NULL, "
                            "keep_until INTEGER NOT NULL) WITHOUT ROWID",
                            "CREATE INDEX IF NOT EXISTS seen_keep_until ON seen (keep_until)"})
        if (auto ok = exec(sql); !ok)
            return ok;
    struct {
        sqlite3_stmt** stmt;
        const char* sql;
    } const statements[] = {
        {&find_, "SELECT 1 FROM seen WHERE nonce = ?1"},
        {&insert_, "INSERT INTO seen (nonce, keep_until) VALUES (?1, ?2)"},
        {&prune_, "DELETE FROM seen WHERE keep_until < ?1"},
        {&count_, "SELECT count(*) FROM seen"},
    };
    for (const auto& s : statements)
        if (sqlite3_prepare_v2(db_, s.sql, -1, s.stmt, nullptr) != SQLITE_OK)
            return fail(sqlite3_errmsg(db_));
    statement_use count(count_);
    if (sqlite3_step(count_) != SQLITE_ROW)
        return fail(sqlite3_errmsg(db_));
    entries_ = static_cast<std::uint64_t>(sqlite3_column_int64(count_, 0));
    return {};
}

std::uint64_t replay_cache::size() const
{
    std::lock_guard lock(mutex_);
    return entries_;
}

result<admission> replay_cache::admit(std::string_view nonce, std::int64_t keep_until,
                                      const std::function<result<void>()>& deliver)
{
    std::lock_guard lock(mutex_);
    return admit_locked(nonce, keep_until, deliver);
}

result<admission> replay_cache::admit_locked(std::string_view nonce, std::int64_t keep_until,
                                             const std::function<result<void>()>& deliver)
{
    auto db_error = [this](std::string_view what) {
        return fail(cat("replay cache: ", what, ": ", sqlite3_errmsg(db_)));
    };
    transaction tx(db_);
    if (!tx.begin())
        return db_error("cannot begin a transaction");

    std::uint64_t pruned = 0;
    {
        statement_use use(prune_);
        sqlite3_bind_int64(prune_, 1, clock_.now());
        if (sqlite3_step(prune_) != SQLITE_DONE)
            return db_error("cannot prune");
        pruned = static_cast<std::uint64_t>(sqlite3_changes(db_));
    }
    {
        statement_use use(find_);
        sqlite3_bind_text(find_, 1, nonce.data(), static_cast<int>(nonce.size()), SQLITE_STATIC);
        int rc = sqlite3_step(find_);
        if (rc == SQLITE_ROW) {
            if (!tx.commit())
                return db_error("cannot commit");
            entries_ -= std::min(pruned, entries_);
            return admission::replayed;
        }
        if (rc != SQLITE_DONE)
            return db_error("cannot look up a nonce");
    }
    std::uint64_t live = entries_ - std::min(pruned, entries_);
    if (live >= max_entries_)
        return fail(cat("replay cache is full (", live, " of ", max_entries_,
                        " entries that have not expired yet); raise replay_cache_entries"));
    {
        statement_use use(insert_);
        sqlite3_bind_text(insert_, 1, nonce.data(), static_cast<int>(nonce.size()), SQLITE_STATIC);
        sqlite3_bind_int64(insert_, 2, keep_until);
        if (sqlite3_step(insert_) != SQLITE_DONE)
            return db_error("cannot record a nonce");
    }
    // The nonce is recorded inside the open transaction; delivering now and
    // committing after means a failed delivery rolls the record back.
    if (auto delivered = deliver(); !delivered)
        return std::unexpected(delivered.error());
    if (!tx.commit())
        return db_error("cannot commit");
    entries_ = live + 1;
    return admission::fresh;
}

}  // namespace uun::milter
