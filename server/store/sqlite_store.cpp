// The SQLite store (see store.hpp). One connection behind a mutex: SQLite
// serialises writers anyway, and the daemon's queries are short. WAL lets
// uun-publish write while uun-server reads. The schema is versioned with
// PRAGMA user_version and migrated forward on open.
#include "server/store/store.hpp"

#include <mutex>

#include "server/store/sqlite_db.hpp"

namespace uun::server {

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
};

constexpr std::int64_t schema_version = std::size(migrations);

// Channels are kept space-padded (" av sys ") so membership is one instr().
std::string pack_channels(const std::vector<std::string>& channels)
{
    std::string out = " ";
    for (const auto& c : channels)
        out += c + " ";
    return out;
}

std::vector<std::string> unpack_channels(const std::string& packed)
{
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < packed.size()) {
        auto j = packed.find(' ', i);
        if (j == std::string::npos)
            j = packed.size();
        if (j > i)
            out.push_back(packed.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::string pack_target(const std::vector<proto::target_selector>& target)
{
    std::string out;
    for (const auto& sel : target)
        out += (out.empty() ? "" : ",") + proto::to_string(sel);
    return out;
}

const char* const appliance_columns = "id, address, notify_recipient, notify_port, product, version, channels, "
                                      "last_seq, first_seen, last_seen, last_reason";

appliance_record read_appliance(const sqlite_statement& s)
{
    appliance_record a;
    a.id = s.text(0);
    a.address = s.text(1);
    a.notify_recipient = s.text(2);
    a.notify_port = static_cast<int>(s.int64(3));
    a.product = s.text(4);
    a.version = s.text(5);
    a.channels = unpack_channels(s.text(6));
    a.last_seq = static_cast<std::uint64_t>(s.int64(7));
    a.first_seen = s.int64(8);
    a.last_seen = s.int64(9);
    a.last_reason = s.text(10);
    return a;
}

const char* const entry_columns = "seq, id, channel, name, sha256, size, urgent, published, target, envelope";

result<stored_entry> read_entry(const sqlite_statement& s)
{
    stored_entry e;
    e.entry.seq = static_cast<std::uint64_t>(s.int64(0));
    e.entry.id = s.text(1);
    e.entry.channel = s.text(2);
    e.entry.name = s.text(3);
    e.entry.sha256 = s.text(4);
    e.entry.size = static_cast<std::uint64_t>(s.int64(5));
    e.entry.urgent = s.int64(6) != 0;
    e.entry.published = s.int64(7);
    auto target = proto::parse_target_list(s.text(8));
    if (!target)
        return fail(cat("store: entry ", e.entry.seq, " has a bad target: ", target.error().message));
    e.entry.target = std::move(*target);
    e.envelope = s.text(9);
    return e;
}

notification_record read_notification(const sqlite_statement& s)
{
    notification_record n;
    n.appliance_id = s.text(0);
    n.seq = static_cast<std::uint64_t>(s.int64(1));
    n.notified_at = s.int64(2);
    n.expires = s.int64(3);
    n.address = s.text(4);
    n.port = static_cast<int>(s.int64(5));
    n.envelope_sender = s.text(6);
    n.recipient = s.text(7);
    n.result = s.text(8);
    n.fetched_at = s.is_null(9) ? 0 : s.int64(9);
    return n;
}

const char* const notification_columns =
    "appliance_id, seq, notified_at, expires, address, port, envelope_sender, recipient, result, fetched_at";

class sqlite_store final : public store {
public:
    explicit sqlite_store(sqlite_db db) : db_(std::move(db)) {}

    result<void> migrate()
    {
        std::lock_guard lock(mutex_);
        if (auto r = db_.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"); !r)
            return r;
        auto version = scalar("PRAGMA user_version");
        if (!version)
            return std::unexpected(version.error());
        if (*version > schema_version)
            return fail(cat(db_.path(), ": schema version ", *version, " is newer than this program's ",
                            schema_version, "; refusing to touch it"));
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

    result<registration> record_poll(const appliance_record& a, const std::string& token_hash,
                                     std::int64_t now) override
    {
        std::lock_guard lock(mutex_);
        return record_poll_locked(a, token_hash, now);
    }

    result<poll_exchange> exchange_poll(const appliance_record& a, const std::string& token_hash, std::int64_t now,
                                        std::size_t max_entries) override
    {
        std::lock_guard lock(mutex_);
        auto tx = sqlite_transaction::begin(db_);
        if (!tx)
            return std::unexpected(tx.error());
        poll_exchange out;
        auto before = find_appliance_locked(a.id);
        if (!before)
            return std::unexpected(before.error());
        out.before = std::move(*before);
        auto registered = record_poll_locked(a, token_hash, now);
        if (!registered)
            return std::unexpected(registered.error());
        out.registered = *registered;
        auto batch = entries_for_locked(a, a.last_seq, max_entries);
        if (!batch)
            return std::unexpected(batch.error());
        out.batch = std::move(*batch);
        auto head = head_seq_locked();
        if (!head)
            return std::unexpected(head.error());
        out.head_seq = *head;
        if (out.registered == registration::recorded && !out.batch.entries.empty()) {
            std::vector<std::uint64_t> seqs;
            seqs.reserve(out.batch.entries.size());
            for (const auto& e : out.batch.entries)
                seqs.push_back(e.entry.seq);
            if (auto r = mark_fetched_locked(a.id, seqs, now); !r)
                return std::unexpected(r.error());
        }
        if (auto r = tx->commit(); !r)
            return std::unexpected(r.error());
        return out;
    }

    result<bool> token_matches(const std::string& id, const std::string& token_hash) override
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare("SELECT token_hash FROM appliances WHERE id = ?1");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, id);
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        return *row && st->text(0) == token_hash;
    }

    result<std::optional<appliance_record>> find_appliance(const std::string& id) override
    {
        std::lock_guard lock(mutex_);
        return find_appliance_locked(id);
    }

    result<std::vector<appliance_record>> appliances(std::int64_t seen_since) override
    {
        std::lock_guard lock(mutex_);
        return select_appliances(cat("SELECT ", appliance_columns,
                                     " FROM appliances WHERE last_seen >= ?1 ORDER BY id"),
                                 seen_since, "", nullptr);
    }

    result<std::vector<appliance_record>> affected_appliances(const proto::update_entry& entry,
                                                              std::int64_t seen_since) override
    {
        std::lock_guard lock(mutex_);
        return select_appliances(cat("SELECT ", appliance_columns,
                                     " FROM appliances WHERE last_seen >= ?1 AND instr(channels, ?2) > 0 ORDER BY id"),
                                 seen_since, cat(" ", entry.channel, " "), &entry.target);
    }

    result<std::size_t> sweep_registry(std::int64_t seen_before) override
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare("DELETE FROM appliances WHERE last_seen < ?1");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, seen_before);
        if (auto r = st->run(); !r)
            return std::unexpected(r.error());
        return static_cast<std::size_t>(db_.changes());
    }

    result<bool> forget_appliance(const std::string& id) override
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare("DELETE FROM appliances WHERE id = ?1");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, id);
        if (auto r = st->run(); !r)
            return std::unexpected(r.error());
        return db_.changes() > 0;
    }

    result<stored_entry> append_entry(proto::update_entry draft, const entry_signer& sign) override
    {
        std::lock_guard lock(mutex_);
        // The log must survive power loss once a UUN naming its seq is out.
        if (auto r = db_.exec("PRAGMA synchronous=FULL"); !r)
            return std::unexpected(r.error());
        auto restore = [this] { (void)db_.exec("PRAGMA synchronous=NORMAL"); };
        auto out = append_locked(std::move(draft), sign);
        restore();
        return out;
    }

    result<std::uint64_t> head_seq() override
    {
        std::lock_guard lock(mutex_);
        return head_seq_locked();
    }

    result<std::optional<stored_entry>> entry(std::uint64_t seq) override
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare(cat("SELECT ", entry_columns, " FROM entries WHERE seq = ?1"));
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, static_cast<std::int64_t>(seq));
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            return std::optional<stored_entry>{};
        auto e = read_entry(*st);
        if (!e)
            return std::unexpected(e.error());
        return std::optional<stored_entry>{std::move(*e)};
    }

    result<std::vector<stored_entry>> recent_entries(std::size_t limit) override
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare(cat("SELECT ", entry_columns, " FROM entries ORDER BY seq DESC LIMIT ?1"));
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, static_cast<std::int64_t>(limit));
        std::vector<stored_entry> out;
        auto walked = st->each_row([&](sqlite_statement& row) -> result<bool> {
            auto e = read_entry(row);
            if (!e)
                return std::unexpected(e.error());
            out.push_back(std::move(*e));
            return true;
        });
        if (!walked)
            return std::unexpected(walked.error());
        return out;
    }

    result<std::optional<std::uint64_t>> payload_size(const std::string& sha256) override
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare("SELECT size FROM payloads WHERE sha256 = ?1");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, sha256);
        return st->first_row([](sqlite_statement& row) { return static_cast<std::uint64_t>(row.int64(0)); });
    }

    result<void> record_notification(const notification_record& n) override
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare(cat("INSERT OR REPLACE INTO notifications (", notification_columns,
                                  ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"));
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, n.appliance_id)
            .bind(2, static_cast<std::int64_t>(n.seq))
            .bind(3, n.notified_at)
            .bind(4, n.expires)
            .bind(5, n.address)
            .bind(6, std::int64_t{n.port})
            .bind(7, n.envelope_sender)
            .bind(8, n.recipient)
            .bind(9, n.result);
        if (n.fetched_at != 0)
            st->bind(10, n.fetched_at);
        else
            st->bind_null(10);
        return st->run();
    }

    result<std::vector<notification_record>> notifications(std::uint64_t seq) override
    {
        std::lock_guard lock(mutex_);
        return select_notifications(
            cat("SELECT ", notification_columns, " FROM notifications WHERE seq = ?1 ORDER BY appliance_id"),
            static_cast<std::int64_t>(seq));
    }

    result<std::vector<notification_record>> live_notifications(std::int64_t now) override
    {
        std::lock_guard lock(mutex_);
        return select_notifications(
            cat("SELECT ", notification_columns, " FROM notifications WHERE expires >= ?1 ORDER BY appliance_id, seq"),
            now);
    }

    result<void> record_report(const report_record& r) override
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare(
            "INSERT OR REPLACE INTO reports (appliance_id, seq, status, detail, at) VALUES (?1,?2,?3,?4,?5)");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, r.appliance_id)
            .bind(2, static_cast<std::int64_t>(r.seq))
            .bind(3, r.status)
            .bind(4, r.detail)
            .bind(5, r.at);
        return st->run();
    }

    result<std::vector<appliance_progress>> progress(std::uint64_t seq) override
    {
        std::lock_guard lock(mutex_);
        auto st = db_.prepare(R"sql(
            SELECT n.appliance_id, n.address, n.notified_at, n.result, COALESCE(n.fetched_at, 0),
                   COALESCE(r.status, ''), COALESCE(r.detail, ''), COALESCE(r.at, 0)
              FROM notifications n LEFT JOIN reports r ON r.appliance_id = n.appliance_id AND r.seq = n.seq
             WHERE n.seq = ?1
            UNION ALL
            SELECT r.appliance_id, COALESCE(a.address, ''), 0, '', 0, r.status, r.detail, r.at
              FROM reports r LEFT JOIN appliances a ON a.id = r.appliance_id
             WHERE r.seq = ?1 AND NOT EXISTS
                   (SELECT 1 FROM notifications n WHERE n.appliance_id = r.appliance_id AND n.seq = r.seq)
            ORDER BY 1)sql");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, static_cast<std::int64_t>(seq));
        std::vector<appliance_progress> out;
        auto walked = st->each_row([&](sqlite_statement& row) {
            appliance_progress p;
            p.appliance_id = row.text(0);
            p.address = row.text(1);
            p.notified_at = row.int64(2);
            p.notify_result = row.text(3);
            p.fetched_at = row.int64(4);
            p.status = row.text(5);
            p.detail = row.text(6);
            p.reported_at = row.int64(7);
            out.push_back(std::move(p));
        });
        if (!walked)
            return std::unexpected(walked.error());
        return out;
    }

    result<store_counts> counts() override
    {
        std::lock_guard lock(mutex_);
        store_counts c;
        auto st = db_.prepare("SELECT (SELECT COUNT(*) FROM appliances), (SELECT COUNT(*) FROM entries), "
                              "(SELECT COALESCE(MAX(seq), 0) FROM entries), (SELECT COUNT(*) FROM notifications), "
                              "(SELECT COUNT(*) FROM reports)");
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
        return c;
    }

private:
    result<registration> record_poll_locked(const appliance_record& a, const std::string& token_hash,
                                     std::int64_t now)
    {
        auto st = db_.prepare(
            "INSERT INTO appliances (id, token_hash, address, notify_recipient, notify_port, product, version, "
            "channels, last_seq, first_seen, last_seen, last_reason) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10,?11) "
            "ON CONFLICT (id) DO UPDATE SET address = excluded.address, notify_recipient = excluded.notify_recipient, "
            "notify_port = excluded.notify_port, product = excluded.product, version = excluded.version, "
            "channels = excluded.channels, last_seq = excluded.last_seq, last_seen = excluded.last_seen, "
            "last_reason = excluded.last_reason WHERE appliances.token_hash = excluded.token_hash");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, a.id)
            .bind(2, token_hash)
            .bind(3, a.address)
            .bind(4, a.notify_recipient)
            .bind(5, std::int64_t{a.notify_port})
            .bind(6, a.product)
            .bind(7, a.version)
            .bind(8, pack_channels(a.channels))
            .bind(9, static_cast<std::int64_t>(a.last_seq))
            .bind(10, now)
            .bind(11, a.last_reason);
        if (auto r = st->run(); !r)
            return std::unexpected(r.error());
        return db_.changes() == 1 ? registration::recorded : registration::token_mismatch;
    }

    result<std::optional<appliance_record>> find_appliance_locked(const std::string& id)
    {
        auto st = db_.prepare(cat("SELECT ", appliance_columns, " FROM appliances WHERE id = ?1"));
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, id);
        return st->first_row([](sqlite_statement& row) { return read_appliance(row); });
    }

    result<std::uint64_t> head_seq_locked()
    {
        auto v = scalar("SELECT COALESCE(MAX(seq), 0) FROM entries");
        if (!v)
            return std::unexpected(v.error());
        return static_cast<std::uint64_t>(*v);
    }

    result<entry_batch> entries_for_locked(const appliance_record& a, std::uint64_t after_seq, std::size_t limit)
    {
        auto st = db_.prepare(cat("SELECT ", entry_columns,
                                  " FROM entries WHERE seq > ?1 AND instr(?2, ' ' || channel || ' ') > 0 ORDER BY seq"));
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, static_cast<std::int64_t>(after_seq)).bind(2, pack_channels(a.channels));
        proto::appliance_facts facts{a.id, a.product, a.version};
        entry_batch batch;
        auto walked = st->each_row([&](sqlite_statement& row) -> result<bool> {
            auto e = read_entry(row);
            if (!e)
                return std::unexpected(e.error());
            if (!proto::target_matches(e->entry.target, facts))
                return true;
            if (batch.entries.size() == limit) {
                batch.more = true;
                return false;
            }
            batch.entries.push_back(std::move(*e));
            return true;
        });
        if (!walked)
            return std::unexpected(walked.error());
        return batch;
    }

    result<void> mark_fetched_locked(const std::string& appliance_id, const std::vector<std::uint64_t>& seqs,
                              std::int64_t now)
    {
        auto st = db_.prepare("UPDATE notifications SET fetched_at = ?3 "
                              "WHERE appliance_id = ?1 AND seq = ?2 AND fetched_at IS NULL");
        if (!st)
            return std::unexpected(st.error());
        for (auto seq : seqs) {
            st->reset();
            st->bind(1, appliance_id).bind(2, static_cast<std::int64_t>(seq)).bind(3, now);
            if (auto r = st->run(); !r)
                return r;
        }
        return {};
    }

    result<std::int64_t> scalar(const std::string& sql)
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

    result<stored_entry> append_locked(proto::update_entry draft, const entry_signer& sign)
    {
        auto tx = sqlite_transaction::begin(db_);
        if (!tx)
            return std::unexpected(tx.error());
        auto next = scalar("SELECT value FROM meta WHERE key = 'next_seq'");
        if (!next)
            return std::unexpected(next.error());
        draft.seq = static_cast<std::uint64_t>(*next);
        if (draft.id.empty())
            draft.id = cat(draft.channel, "-", draft.seq);
        auto envelope = sign(draft);
        if (!envelope)
            return std::unexpected(envelope.error());

        auto ins = db_.prepare(cat("INSERT INTO entries (", entry_columns, ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"));
        if (!ins)
            return std::unexpected(ins.error());
        ins->bind(1, static_cast<std::int64_t>(draft.seq))
            .bind(2, draft.id)
            .bind(3, draft.channel)
            .bind(4, draft.name)
            .bind(5, draft.sha256)
            .bind(6, static_cast<std::int64_t>(draft.size))
            .bind(7, std::int64_t{draft.urgent ? 1 : 0})
            .bind(8, draft.published)
            .bind(9, pack_target(draft.target))
            .bind(10, *envelope);
        if (auto r = ins->run(); !r)
            return fail(cat("cannot append entry: ", r.error().message));

        auto pay = db_.prepare("INSERT OR IGNORE INTO payloads (sha256, size, added) VALUES (?1, ?2, ?3)");
        if (!pay)
            return std::unexpected(pay.error());
        pay->bind(1, draft.sha256).bind(2, static_cast<std::int64_t>(draft.size)).bind(3, draft.published);
        if (auto r = pay->run(); !r)
            return std::unexpected(r.error());

        auto bump = db_.prepare("UPDATE meta SET value = ?1 WHERE key = 'next_seq'");
        if (!bump)
            return std::unexpected(bump.error());
        bump->bind(1, static_cast<std::int64_t>(draft.seq + 1));
        if (auto r = bump->run(); !r)
            return std::unexpected(r.error());
        if (auto r = tx->commit(); !r)
            return std::unexpected(r.error());
        return stored_entry{std::move(draft), std::move(*envelope)};
    }

    result<std::vector<appliance_record>> select_appliances(const std::string& sql, std::int64_t seen_since,
                                                            const std::string& channel,
                                                            const std::vector<proto::target_selector>* target)
    {
        auto st = db_.prepare(sql);
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, seen_since);
        if (!channel.empty())
            st->bind(2, channel);
        std::vector<appliance_record> out;
        auto walked = st->each_row([&](sqlite_statement& row) {
            auto a = read_appliance(row);
            if (target == nullptr || proto::target_matches(*target, {a.id, a.product, a.version}))
                out.push_back(std::move(a));
        });
        if (!walked)
            return std::unexpected(walked.error());
        return out;
    }

    result<std::vector<notification_record>> select_notifications(const std::string& sql, std::int64_t arg)
    {
        auto st = db_.prepare(sql);
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, arg);
        std::vector<notification_record> out;
        auto walked = st->each_row([&](sqlite_statement& row) { out.push_back(read_notification(row)); });
        if (!walked)
            return std::unexpected(walked.error());
        return out;
    }

    std::mutex mutex_;
    sqlite_db db_;
};

}  // namespace

result<std::unique_ptr<store>> open_sqlite_store(const std::string& path)
{
    auto db = sqlite_db::open(path);
    if (!db)
        return std::unexpected(db.error());
    auto s = std::make_unique<sqlite_store>(std::move(*db));
    if (auto r = s->migrate(); !r)
        return std::unexpected(r.error());
    return std::unique_ptr<store>(std::move(s));
}

}  // namespace uun::server
