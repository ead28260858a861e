// Notifications and reports in the SQLite store: what uun-publish handed to
// the MTA for each appliance and entry, when the appliance fetched it, and
// what it reported; progress() joins them for --status.
#include "server/store/sqlite_store.hpp"

namespace uun::store {

result<void> sqlite_store::record_notification(const notification_record& n)
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

result<std::vector<notification_record>> sqlite_store::notifications(std::uint64_t seq)
{
    std::lock_guard lock(mutex_);
    return select_notifications(cat("SELECT ", notification_columns,
                                    " FROM notifications WHERE seq = ?1 ORDER BY appliance_id"),
                                static_cast<std::int64_t>(seq));
}

result<std::vector<notification_record>> sqlite_store::live_notifications(std::int64_t now)
{
    std::lock_guard lock(mutex_);
    return select_notifications(cat("SELECT ", notification_columns,
                                    " FROM notifications WHERE expires >= ?1 ORDER BY appliance_id, seq"),
                                now);
}

result<void> sqlite_store::record_report(const report_record& r)
{
    std::lock_guard lock(mutex_);
    auto st
        = db_.prepare("INSERT OR REPLACE INTO reports (appliance_id, seq, status, detail, at) VALUES (?1,?2,?3,?4,?5)");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, r.appliance_id)
        .bind(2, static_cast<std::int64_t>(r.seq))
        .bind(3, r.status)
        .bind(4, r.detail)
        .bind(5, r.at);
    return st->run();
}

result<std::vector<appliance_progress>> sqlite_store::progress(std::uint64_t seq)
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

result<void> sqlite_store::mark_fetched_locked(const std::string& appliance_id, const std::vector<std::uint64_t>& seqs,
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

result<std::vector<notification_record>> sqlite_store::select_notifications(const std::string& sql, std::int64_t arg)
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

}  // namespace uun::store
