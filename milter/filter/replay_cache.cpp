// SQLite replay cache (see header), on the same SQLite wrapper as the
// vendor's store. One connection, serialised by our own mutex; each admission
// is one IMMEDIATE transaction with synchronous=FULL, so a recorded nonce is
// on disk before the mail is answered.
#include "milter/filter/replay_cache.hpp"

#include <algorithm>

namespace uun::filter {

namespace {

constexpr auto busy_timeout = std::chrono::seconds(5);

// "replay cache: <what>: <path>: <SQLite's reason>", for the milter's log.
error cache_error(std::string_view what, const error& why)
{
    return error{cat("replay cache: ", what, ": ", why.message)};
}

}  // namespace

replay_cache::replay_cache(sqlite_db db, std::uint64_t max_entries, const clock& clock)
    : db_(std::move(db)), max_entries_(max_entries), clock_(clock)
{
}

result<std::unique_ptr<replay_cache>> replay_cache::open(const std::string& path, std::uint64_t max_entries,
                                                         const clock& clock)
{
    auto db = sqlite_db::open(path, "the replay cache", busy_timeout);
    if (!db)
        return std::unexpected(db.error());
    std::unique_ptr<replay_cache> cache(new replay_cache(std::move(*db), max_entries, clock));
    if (auto ok = cache->prepare(); !ok)
        return std::unexpected(ok.error());
    return cache;
}

result<void> replay_cache::prepare()
{
    for (const char* sql : {"PRAGMA synchronous=FULL",
                            "CREATE TABLE IF NOT EXISTS seen (nonce TEXT PRIMARY KEY NOT NULL, "
                            "keep_until INTEGER NOT NULL) WITHOUT ROWID",
                            "CREATE INDEX IF NOT EXISTS seen_keep_until ON seen (keep_until)"})
        if (auto ok = db_.exec(sql); !ok)
            return ok;
    auto count = db_.prepare("SELECT count(*) FROM seen");
    if (!count)
        return std::unexpected(count.error());
    auto row = count->step();
    if (!row)
        return std::unexpected(row.error());
    entries_ = *row ? static_cast<std::uint64_t>(count->int64(0)) : 0;
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
    auto tx = sqlite_transaction::begin(db_);
    if (!tx)
        return std::unexpected(cache_error("cannot begin a transaction", tx.error()));

    // Each statement goes back to the cache (reset) before the commit.
    std::uint64_t pruned = 0;
    {
        auto prune = db_.prepare("DELETE FROM seen WHERE keep_until < ?1");
        if (!prune)
            return std::unexpected(cache_error("cannot prune", prune.error()));
        prune->bind(1, clock_.now());
        if (auto r = prune->run(); !r)
            return std::unexpected(cache_error("cannot prune", r.error()));
        pruned = static_cast<std::uint64_t>(db_.changes());
    }
    result<bool> seen = false;
    {
        auto find = db_.prepare("SELECT 1 FROM seen WHERE nonce = ?1");
        if (!find)
            return std::unexpected(cache_error("cannot look up a nonce", find.error()));
        find->bind(1, nonce);
        seen = find->step();
    }
    if (!seen)
        return std::unexpected(cache_error("cannot look up a nonce", seen.error()));
    if (*seen) {
        if (auto r = tx->commit(); !r)
            return std::unexpected(cache_error("cannot commit", r.error()));
        entries_ -= std::min(pruned, entries_);
        return admission::replayed;
    }

    std::uint64_t live = entries_ - std::min(pruned, entries_);
    if (live >= max_entries_)
        return fail(cat("replay cache is full (", live, " of ", max_entries_,
                        " entries that have not expired yet); raise replay_cache_entries"));
    {
        auto insert = db_.prepare("INSERT INTO seen (nonce, keep_until) VALUES (?1, ?2)");
        if (!insert)
            return std::unexpected(cache_error("cannot record a nonce", insert.error()));
        insert->bind(1, nonce).bind(2, keep_until);
        if (auto r = insert->run(); !r)
            return std::unexpected(cache_error("cannot record a nonce", r.error()));
    }
    // The nonce is recorded inside the open transaction; delivering now and
    // committing after means a failed delivery rolls the record back.
    if (auto delivered = deliver(); !delivered)
        return std::unexpected(delivered.error());
    if (auto r = tx->commit(); !r)
        return std::unexpected(cache_error("cannot commit", r.error()));
    entries_ = live + 1;
    return admission::fresh;
}

}  // namespace uun::filter
