// The update log as the v2 trust model reads it (doc/trust.md): per-channel
// positions instead of one last_seq, no target filter (the appliance proves
// it saw every entry), the wanted seqs on any channel, and the heads the
// timestamp statement signs. Callers: uun-server's poll. Errors are values.
#include "server/store/sqlite_store.hpp"

#include <nlohmann/json.hpp>

namespace uun::store {

result<poll_exchange> sqlite_store::exchange_poll_v2(const appliance_record& a, const poll_identity& who,
                                                     const log_request& request, std::int64_t now,
                                                     std::size_t max_entries)
{
    std::lock_guard lock(mutex_);
    return exchange_locked(a, who, now, [&](poll_exchange& out) -> result<entry_batch> {
        auto heads = channel_heads_locked();
        if (!heads)
            return std::unexpected(heads.error());
        out.heads = std::move(*heads);
        return log_entries_locked(a, request, max_entries);
    });
}

result<log_heads> sqlite_store::channel_heads()
{
    std::lock_guard lock(mutex_);
    return channel_heads_locked();
}

result<log_heads> sqlite_store::channel_heads_locked()
{
    auto st = db_.prepare("SELECT channel, MAX(channel_seq) FROM entries WHERE channel_seq > 0 GROUP BY channel");
    if (!st)
        return std::unexpected(st.error());
    log_heads out;
    auto walked = st->each_row(
        [&](sqlite_statement& row) { out.channels.emplace(row.text(0), static_cast<std::uint64_t>(row.int64(1))); });
    if (!walked)
        return std::unexpected(walked.error());
    auto head = head_seq_locked();
    if (!head)
        return std::unexpected(head.error());
    out.log_head = *head;
    return out;
}

result<entry_batch> sqlite_store::log_entries_locked(const appliance_record& a, const log_request& request,
                                                     std::size_t limit)
{
    // Positions of the appliance's channels only; one it did not send is 0.
    nlohmann::json positions = nlohmann::json::object();
    for (const auto& channel : a.channels) {
        auto at = request.positions.find(channel);
        positions[channel] = at == request.positions.end() ? 0 : at->second;
    }
    nlohmann::json wanted = request.wanted;
    // "channel_seq > 0" spelled out lets SQLite use the partial index
    // entries_by_channel_seq; the UNION drops a wanted seq already in range.
    auto st = db_.prepare(cat("SELECT ", entry_columns, " FROM entries WHERE seq IN ("
                              "SELECT e.seq FROM json_each(?1) AS p JOIN entries AS e ON e.channel = p.key "
                              "WHERE e.channel_seq > 0 AND e.channel_seq > p.value "
                              "UNION SELECT e.seq FROM json_each(?2) AS w JOIN entries AS e ON e.seq = w.value "
                              "WHERE e.channel_seq > 0) ORDER BY seq LIMIT ?3"));
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, positions.dump()).bind(2, wanted.dump()).bind(3, static_cast<std::int64_t>(limit + 1));
    entry_batch batch;
    auto walked = st->each_row([&](sqlite_statement& row) -> result<bool> {
        if (batch.entries.size() == limit) {
            batch.more = true;
            return false;
        }
        auto e = read_entry(row);
        if (!e)
            return std::unexpected(e.error());
        batch.entries.push_back(std::move(*e));
        return true;
    });
    if (!walked)
        return std::unexpected(walked.error());
    return batch;
}

}  // namespace uun::store
