// Opening the SQLite store: WAL lets uun-publish write while uun-server
// reads; the schema is versioned with PRAGMA user_version and migrated
// forward on open, never backward. Also the whole-store counts.
#include "server/store/sqlite_store.hpp"

namespace uun::store {

namespace {

// Each string moves the schema one version up; never edit a released one.
const char* const migrations[] = {
    // version 1
    R"sql(
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (key, value) VALUES ('next_seq', 1);
    CREATE TABLE entries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL,
        name TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        urgent INTEGER NOT NULL,
        published INTEGER NOT NULL,
        target TEXT NOT NULL,
        envelope TEXT NOT NULL);
    CREATE TABLE payloads (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        added INTEGER NOT NULL);
    CREATE TABLE appliances (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL,
        address TEXT NOT NULL,
        notify_recipient TEXT NOT NULL,
        notify_port INTEGER NOT NULL,
        product TEXT NOT NULL,
        version TEXT NOT NULL,
        channels TEXT NOT NULL,
        last_seq INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        last_reason TEXT NOT NULL);
    CREATE INDEX appliances_by_last_seen ON appliances (last_seen);
    CREATE TABLE notifications (
        appliance_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        notified_at INTEGER NOT NULL,
        expires INTEGER NOT NULL,
        address TEXT NOT NULL,
        port INTEGER NOT NULL,
        envelope_sender TEXT NOT NULL,
        recipient TEXT NOT NULL,
        result TEXT NOT NULL,
        fetched_at INTEGER,
        PRIMARY KEY (appliance_id, seq));
    CREATE INDEX notifications_by_expiry ON notifications (expires);
    CREATE TABLE reports (
        appliance_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        status TEXT NOT NULL,
        detail TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (appliance_id, seq));
    )sql",
    // version 2: the v2 trust model orders entries per channel (doc/trust.md);
    // v1 entries keep channel_seq 0 and are not part of any channel's order.
    R"sql(
    ALTER TABLE entries ADD COLUMN channel_seq INTEGER NOT NULL DEFAULT 0;
    CREATE UNIQUE INDEX entries_by_channel_seq ON entries (channel, channel_seq) WHERE channel_seq > 0;
    )sql",
    // version 3: appliance keys and admission (issue 14). A row made before
    // keys keeps key '' and its token until its first signed poll.
    R"sql(
    ALTER TABLE appliances ADD COLUMN key TEXT NOT NULL DEFAULT '';
    CREATE TABLE admission_requests (
        appliance_id TEXT NOT NULL,
        key TEXT NOT NULL,
        state TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        address TEXT NOT NULL,
        notify_recipient TEXT NOT NULL,
        notify_port INTEGER NOT NULL,
        product TEXT NOT NULL,
        version TEXT NOT NULL,
        channels TEXT NOT NULL,
        last_seq INTEGER NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        last_reason TEXT NOT NULL,
        PRIMARY KEY (appliance_id, key));
    CREATE INDEX admission_requests_by_last_seen ON admission_requests (last_seen);
    )sql",
};

constexpr std::int64_t schema_version = std::size(migrations);

}  // namespace

result<void> sqlite_store::migrate()
{
    std::lock_guard lock(mutex_);
    if (auto r = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !r)
        return r;
    auto version = scalar("PRAGMA user_version");
    if (!version)
        return std::unexpected(version.error());
    if (*version > schema_version)
        return fail(cat(db_.path(), ": schema version ", *version, " is newer than this program's ", schema_version,
                        "; refusing to touch it"));
    for (std::int64_t v = *version; v < schema_version; ++v) {
        auto tx = sqlite_transaction::begin(db_);
        if (!tx)
            return std::unexpected(tx.error());
        if (auto r = db_.exec(migrations[v]); !r)
            return fail(cat("migrating the store to version ", v + 1, ": ", r.error().message));
        if (auto r = db_.exec(cat("PRAGMA user_version = ", v + 1)); !r)
            return r;
        if (auto r = tx->commit(); !r)
            return r;
    }
    return {};
}

result<std::int64_t> sqlite_store::scalar(const std::string& sql)
{
    auto st = db_.prepare(sql);
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return fail(cat(db_.path(), ": no row for ", sql));
    return st->int64(0);
}

result<store_counts> sqlite_store::counts()
{
    std::lock_guard lock(mutex_);
    store_counts c;
    auto st = db_.prepare("SELECT (SELECT COUNT(*) FROM appliances), (SELECT COUNT(*) FROM entries), "
                          "(SELECT COALESCE(MAX(seq), 0) FROM entries), (SELECT COUNT(*) FROM notifications), "
                          "(SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM admission_requests)");
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    c.appliances = static_cast<std::uint64_t>(st->int64(0));
    c.entries = static_cast<std::uint64_t>(st->int64(1));
    c.head_seq = static_cast<std::uint64_t>(st->int64(2));
    c.notifications = static_cast<std::uint64_t>(st->int64(3));
    c.reports = static_cast<std::uint64_t>(st->int64(4));
    c.admission_requests = static_cast<std::uint64_t>(st->int64(5));
    return c;
}

result<std::unique_ptr<store>> open_sqlite_store(const std::string& path)
{
    auto db = sqlite_db::open(path, "the store");
    if (!db)
        return std::unexpected(db.error());
    auto s = std::make_unique<sqlite_store>(std::move(*db));
    if (auto r = s->migrate(); !r)
        return std::unexpected(r.error());
    return std::unique_ptr<store>(std::move(s));
}

}  // namespace uun::store
