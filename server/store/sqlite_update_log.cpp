// The update log of the SQLite store: entries are appended under one
// transaction that takes the next seq, signs and records the payload (v1),
// or records an entry whose seq the publisher chose and signed (v2); the
// poll reads the entries after an appliance's last_seq on its channels.
#include "server/store/sqlite_store.hpp"

namespace uun::store {

result<stored_entry> sqlite_store::append_entry(proto::update_entry draft, const entry_signer& sign)
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

result<stored_entry> sqlite_store::append_signed_entry(const proto::update_entry& entry, const std::string& envelope)
{
    std::lock_guard lock(mutex_);
    if (auto r = db_.exec("PRAGMA synchronous=FULL"); !r)
        return std::unexpected(r.error());
    result<void> done;
    {
        auto tx = sqlite_transaction::begin(db_);
        if (!tx)
            done = std::unexpected(tx.error());
        if (done)
            done = check_signed_slot_locked(entry);
        if (done)
            done = insert_entry_locked(entry, envelope);
        if (done)
            done = tx->commit();
    }  // rolled back here unless committed, before the pragma changes back
    (void)db_.exec("PRAGMA synchronous=NORMAL");
    if (!done)
        return std::unexpected(done.error());
    return stored_entry{entry, envelope};
}

result<std::uint64_t> sqlite_store::head_seq()
{
    std::lock_guard lock(mutex_);
    return head_seq_locked();
}

result<std::optional<stored_entry>> sqlite_store::entry(std::uint64_t seq)
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

result<std::vector<stored_entry>> sqlite_store::recent_entries(std::size_t limit)
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

result<std::optional<std::uint64_t>> sqlite_store::payload_size(const std::string& sha256)
{
    std::lock_guard lock(mutex_);
    auto st = db_.prepare("SELECT size FROM payloads WHERE sha256 = ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, sha256);
    return st->first_row([](sqlite_statement& row) { return static_cast<std::uint64_t>(row.int64(0)); });
}

result<std::uint64_t> sqlite_store::head_seq_locked()
{
    auto v = scalar("SELECT COALESCE(MAX(seq), 0) FROM entries");
    if (!v)
        return std::unexpected(v.error());
    return static_cast<std::uint64_t>(*v);
}

result<entry_batch> sqlite_store::entries_for_locked(const appliance_record& a, std::uint64_t after_seq,
                                                     std::size_t limit)
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

result<stored_entry> sqlite_store::append_locked(proto::update_entry draft, const entry_signer& sign)
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

// The publisher's seq must be new and beyond the head, its channel_seq free:
// a store that already went further was written by someone else.
result<void> sqlite_store::check_signed_slot_locked(const proto::update_entry& entry)
{
    if (entry.seq == 0)
        return fail("entry seq must be at least 1");
    auto head = head_seq_locked();
    if (!head)
        return std::unexpected(head.error());
    if (*head >= entry.seq)
        return fail(cat("the log already goes to seq ", *head, "; refusing entry seq ", entry.seq));
    if (entry.channel_seq == 0)
        return {};
    auto st = db_.prepare("SELECT seq FROM entries WHERE channel = ?1 AND channel_seq = ?2");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, entry.channel).bind(2, static_cast<std::int64_t>(entry.channel_seq));
    auto taken = st->first_row([](sqlite_statement& row) { return row.int64(0); });
    if (!taken)
        return std::unexpected(taken.error());
    if (*taken)
        return fail(cat("channel ", entry.channel, " already has channel_seq ", entry.channel_seq, " (seq ", **taken,
                        "); refusing entry seq ", entry.seq));
    return {};
}

result<void> sqlite_store::insert_entry_locked(const proto::update_entry& e, const std::string& envelope)
{
    auto ins = db_.prepare("INSERT INTO entries (seq, id, channel, name, sha256, size, urgent, published, target, "
                           "envelope, channel_seq) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
    if (!ins)
        return std::unexpected(ins.error());
    ins->bind(1, static_cast<std::int64_t>(e.seq))
        .bind(2, e.id)
        .bind(3, e.channel)
        .bind(4, e.name)
        .bind(5, e.sha256)
        .bind(6, static_cast<std::int64_t>(e.size))
        .bind(7, std::int64_t{e.urgent ? 1 : 0})
        .bind(8, e.published)
        .bind(9, pack_target(e.target))
        .bind(10, envelope)
        .bind(11, static_cast<std::int64_t>(e.channel_seq));
    if (auto r = ins->run(); !r)
        return fail(cat("cannot append entry: ", r.error().message));
    auto pay = db_.prepare("INSERT OR IGNORE INTO payloads (sha256, size, added) VALUES (?1, ?2, ?3)");
    if (!pay)
        return std::unexpected(pay.error());
    pay->bind(1, e.sha256).bind(2, static_cast<std::int64_t>(e.size)).bind(3, e.published);
    if (auto r = pay->run(); !r)
        return std::unexpected(r.error());
    auto bump = db_.prepare("UPDATE meta SET value = ?1 WHERE key = 'next_seq'");
    if (!bump)
        return std::unexpected(bump.error());
    bump->bind(1, static_cast<std::int64_t>(e.seq + 1));
    return bump->run();
}

}  // namespace uun::store
