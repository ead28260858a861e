// The registry half of the SQLite store: an appliance's row is written by
// its polls (only with the key, or for an old row the token, it is bound
// to), read by uun-publish to choose whom to notify, and swept when it goes
// stale. Admission requests: sqlite_admission.cpp.
#include "server/store/sqlite_store.hpp"

namespace uun::store {

result<registration> sqlite_store::record_poll(const appliance_record& a, const poll_identity& who, std::int64_t now)
{
    std::lock_guard lock(mutex_);
    auto tx = sqlite_transaction::begin(db_);
    if (!tx)
        return std::unexpected(tx.error());
    auto registered = record_poll_locked(a, who, now);
    if (!registered)
        return registered;
    if (auto r = tx->commit(); !r)
        return std::unexpected(r.error());
    return registered;
}

result<poll_exchange> sqlite_store::exchange_poll(const appliance_record& a, const poll_identity& who,
                                                  std::int64_t now, std::size_t max_entries)
{
    std::lock_guard lock(mutex_);
    return exchange_locked(a, who, now,
                           [&](poll_exchange&) { return entries_for_locked(a, a.last_seq, max_entries); });
}

result<poll_exchange> sqlite_store::exchange_locked(const appliance_record& a, const poll_identity& who,
                                                    std::int64_t now, const entry_selector& select)
{
    auto tx = sqlite_transaction::begin(db_);
    if (!tx)
        return std::unexpected(tx.error());
    poll_exchange out;
    auto before = find_appliance_locked(a.id);
    if (!before)
        return std::unexpected(before.error());
    out.before = std::move(*before);
    auto registered = record_poll_locked(a, who, now);
    if (!registered)
        return std::unexpected(registered.error());
    out.registered = *registered;
    auto batch = select(out);
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

result<bool> sqlite_store::token_matches(const std::string& id, const std::string& token_hash)
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

result<std::optional<appliance_record>> sqlite_store::find_appliance(const std::string& id)
{
    std::lock_guard lock(mutex_);
    return find_appliance_locked(id);
}

result<std::vector<appliance_record>> sqlite_store::appliances(std::int64_t seen_since)
{
    std::lock_guard lock(mutex_);
    return select_appliances(cat("SELECT ", appliance_columns, " FROM appliances WHERE last_seen >= ?1 ORDER BY id"),
                             seen_since, "", nullptr);
}

result<std::vector<appliance_record>> sqlite_store::affected_appliances(const proto::update_entry& entry,
                                                                        std::int64_t seen_since)
{
    std::lock_guard lock(mutex_);
    return select_appliances(cat("SELECT ", appliance_columns,
                                 " FROM appliances WHERE last_seen >= ?1 AND instr(channels, ?2) > 0 ORDER BY id"),
                             seen_since, cat(" ", entry.channel, " "), &entry.target);
}

result<std::size_t> sqlite_store::sweep_registry(std::int64_t seen_before)
{
    std::lock_guard lock(mutex_);
    auto st = db_.prepare("DELETE FROM appliances WHERE last_seen < ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, seen_before);
    if (auto r = st->run(); !r)
        return std::unexpected(r.error());
    auto removed = static_cast<std::size_t>(db_.changes());
    auto requests = db_.prepare("DELETE FROM admission_requests WHERE last_seen < ?1");
    if (!requests)
        return std::unexpected(requests.error());
    requests->bind(1, seen_before);
    if (auto r = requests->run(); !r)
        return std::unexpected(r.error());
    return removed;
}

result<registry_census> sqlite_store::count_stale(std::int64_t seen_before)
{
    std::lock_guard lock(mutex_);
    auto st = db_.prepare("SELECT COUNT(*), COALESCE(SUM(last_seen < ?1), 0) FROM appliances");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, seen_before);
    if (auto row = st->step(); !row)
        return std::unexpected(row.error());
    return registry_census{static_cast<std::uint64_t>(st->int64(0)), static_cast<std::uint64_t>(st->int64(1))};
}

result<bool> sqlite_store::forget_appliance(const std::string& id)
{
    std::lock_guard lock(mutex_);
    auto tx = sqlite_transaction::begin(db_);
    if (!tx)
        return std::unexpected(tx.error());
    auto st = db_.prepare("DELETE FROM appliances WHERE id = ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, id);
    if (auto r = st->run(); !r)
        return std::unexpected(r.error());
    bool removed = db_.changes() > 0;
    auto requests = db_.prepare("DELETE FROM admission_requests WHERE appliance_id = ?1");
    if (!requests)
        return std::unexpected(requests.error());
    requests->bind(1, id);
    if (auto r = requests->run(); !r)
        return std::unexpected(r.error());
    removed = removed || db_.changes() > 0;
    if (auto r = tx->commit(); !r)
        return std::unexpected(r.error());
    return removed;
}

result<registration> sqlite_store::upsert_locked(const appliance_record& a, const poll_identity& who,
                                                 std::int64_t now)
{
    // An existing row changes only for its own credential: its key, or, for
    // a row bound by token alone, that token (a signed poll then binds the
    // row to its key; issue 14 moves old appliances to keys this way).
    auto st = db_.prepare(
        "INSERT INTO appliances (id, token_hash, address, notify_recipient, notify_port, product, version, "
        "channels, last_seq, first_seen, last_seen, last_reason, key) "
        "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10,?11,?12) "
        "ON CONFLICT (id) DO UPDATE SET address = excluded.address, notify_recipient = excluded.notify_recipient, "
        "notify_port = excluded.notify_port, product = excluded.product, version = excluded.version, "
        "channels = excluded.channels, last_seq = excluded.last_seq, last_seen = excluded.last_seen, "
        "last_reason = excluded.last_reason, key = excluded.key "
        "WHERE (appliances.key = '' AND appliances.token_hash = excluded.token_hash) "
        "OR (appliances.key <> '' AND appliances.key = excluded.key)");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, a.id)
        .bind(2, who.token_hash)
        .bind(3, a.address)
        .bind(4, a.notify_recipient)
        .bind(5, std::int64_t{a.notify_port})
        .bind(6, a.product)
        .bind(7, a.version)
        .bind(8, pack_channels(a.channels))
        .bind(9, static_cast<std::int64_t>(a.last_seq))
        .bind(10, now)
        .bind(11, a.last_reason)
        .bind(12, who.key);
    if (auto r = st->run(); !r)
        return std::unexpected(r.error());
    return db_.changes() == 1 ? registration::recorded : registration::token_mismatch;
}

result<std::optional<appliance_record>> sqlite_store::find_appliance_locked(const std::string& id)
{
    auto st = db_.prepare(cat("SELECT ", appliance_columns, " FROM appliances WHERE id = ?1"));
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, id);
    return st->first_row([](sqlite_statement& row) { return read_appliance(row); });
}

result<std::vector<appliance_record>> sqlite_store::select_appliances(const std::string& sql, std::int64_t seen_since,
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

}  // namespace uun::store
