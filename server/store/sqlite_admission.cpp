// Admission in the SQLite store (doc/protocol.md, "Admission"): which poll
// may write a registry row, and the requests of keys the registry does not
// hold, which an admin accepts (the row becomes that key's) or rejects.
// Until then such an appliance gets its entries but no row, so no UUNs.
#include "lib/proto/appliance_key.hpp"
#include "server/store/sqlite_store.hpp"

namespace uun::store {

namespace {

const char* const request_columns = "appliance_id, address, notify_recipient, notify_port, product, version, "
                                    "channels, last_seq, first_seen, last_seen, last_reason, key, state";
}  // namespace

result<registration> sqlite_store::record_poll_locked(const appliance_record& a, const poll_identity& who,
                                                      std::int64_t now)
{
    auto before = find_appliance_locked(a.id);
    if (!before)
        return std::unexpected(before.error());
    if (!*before && !who.admit_new)
        return who.key.empty() ? result<registration>(registration::key_required)
                               : request_admission_locked(a, who, now);
    if (*before && who.key.empty() && !(*before)->key.empty())
        return registration::key_required;
    auto upserted = upsert_locked(a, who, now);
    if (!upserted || *upserted == registration::recorded || who.key.empty())
        return upserted;
    return request_admission_locked(a, who, now);
}

result<registration> sqlite_store::request_admission_locked(const appliance_record& a, const poll_identity& who,
                                                            std::int64_t now)
{
    auto known = db_.prepare("SELECT state, (SELECT COUNT(*) FROM admission_requests WHERE appliance_id = ?1) "
                             "FROM admission_requests WHERE appliance_id = ?1 AND key = ?2");
    if (!known)
        return std::unexpected(known.error());
    known->bind(1, a.id).bind(2, who.key);
    auto row = known->step();
    if (!row)
        return std::unexpected(row.error());
    bool rejected = *row && known->text(0) == "rejected";
    if (!*row) {
        auto count = db_.prepare("SELECT COUNT(*) FROM admission_requests WHERE appliance_id = ?1");
        if (!count)
            return std::unexpected(count.error());
        count->bind(1, a.id);
        if (auto r = count->step(); !r)
            return std::unexpected(r.error());
        if (static_cast<std::size_t>(count->int64(0)) >= max_requests_per_id)
            return registration::request_limit;
    }
    auto st = db_.prepare(
        "INSERT INTO admission_requests (appliance_id, key, state, token_hash, address, notify_recipient, "
        "notify_port, product, version, channels, last_seq, first_seen, last_seen, last_reason) "
        "VALUES (?1,?2,'pending',?3,?4,?5,?6,?7,?8,?9,?10,?11,?11,?12) "
        "ON CONFLICT (appliance_id, key) DO UPDATE SET token_hash = excluded.token_hash, "
        "address = excluded.address, notify_recipient = excluded.notify_recipient, "
        "notify_port = excluded.notify_port, product = excluded.product, version = excluded.version, "
        "channels = excluded.channels, last_seq = excluded.last_seq, last_seen = excluded.last_seen, "
        "last_reason = excluded.last_reason");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, a.id)
        .bind(2, who.key)
        .bind(3, who.token_hash)
        .bind(4, a.address)
        .bind(5, a.notify_recipient)
        .bind(6, std::int64_t{a.notify_port})
        .bind(7, a.product)
        .bind(8, a.version)
        .bind(9, pack_channels(a.channels))
        .bind(10, static_cast<std::int64_t>(a.last_seq))
        .bind(11, now)
        .bind(12, a.last_reason);
    if (auto r = st->run(); !r)
        return std::unexpected(r.error());
    return rejected ? registration::rejected : registration::pending;
}

result<std::vector<admission_request>> sqlite_store::admission_requests()
{
    std::lock_guard lock(mutex_);
    auto st = db_.prepare(cat("SELECT ", request_columns, " FROM admission_requests ORDER BY appliance_id, key"));
    if (!st)
        return std::unexpected(st.error());
    std::vector<admission_request> out;
    auto walked = st->each_row([&](sqlite_statement& row) {
        // The first twelve columns are the registry's, in appliance_columns order.
        out.push_back({read_appliance(row), row.text(12)});
    });
    if (!walked)
        return std::unexpected(walked.error());
    return out;
}

result<std::vector<std::string>> sqlite_store::request_keys_locked(const std::string& id,
                                                                   const std::string& fingerprint,
                                                                   std::string_view state)
{
    auto st = db_.prepare("SELECT key FROM admission_requests WHERE appliance_id = ?1 AND state = ?2 ORDER BY key");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, id).bind(2, std::string(state));
    std::vector<std::string> keys;
    auto walked = st->each_row([&](sqlite_statement& row) {
        std::string key = row.text(0);
        if (fingerprint.empty() || proto::key_fingerprint_of_base64(key) == fingerprint)
            keys.push_back(std::move(key));
    });
    if (!walked)
        return std::unexpected(walked.error());
    return keys;
}

result<appliance_record> sqlite_store::accept_appliance(const std::string& id, const std::string& fingerprint)
{
    std::lock_guard lock(mutex_);
    auto tx = sqlite_transaction::begin(db_);
    if (!tx)
        return std::unexpected(tx.error());
    auto keys = request_keys_locked(id, fingerprint, "pending");
    if (!keys)
        return std::unexpected(keys.error());
    if (keys->empty())
        return fail(fingerprint.empty() ? cat("appliance ", id, " has no pending admission request")
                                        : cat("appliance ", id, " has no pending admission request with key ",
                                              fingerprint));
    if (keys->size() > 1)
        return fail(cat("appliance ", id, " has ", keys->size(),
                        " pending keys; name the one to accept with --key (uun-publish --pending shows them)"));
    auto st = db_.prepare(
        "INSERT OR REPLACE INTO appliances (id, token_hash, address, notify_recipient, notify_port, product, "
        "version, channels, last_seq, first_seen, last_seen, last_reason, key) "
        "SELECT appliance_id, token_hash, address, notify_recipient, notify_port, product, version, channels, "
        "last_seq, first_seen, last_seen, last_reason, key FROM admission_requests "
        "WHERE appliance_id = ?1 AND key = ?2");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, id).bind(2, keys->front());
    if (auto r = st->run(); !r)
        return std::unexpected(r.error());
    auto done = db_.prepare("DELETE FROM admission_requests WHERE appliance_id = ?1 AND key = ?2");
    if (!done)
        return std::unexpected(done.error());
    done->bind(1, id).bind(2, keys->front());
    if (auto r = done->run(); !r)
        return std::unexpected(r.error());
    auto row = find_appliance_locked(id);
    if (!row)
        return std::unexpected(row.error());
    if (auto r = tx->commit(); !r)
        return std::unexpected(r.error());
    return std::move(**row);
}

result<std::size_t> sqlite_store::reject_appliance(const std::string& id, const std::string& fingerprint)
{
    std::lock_guard lock(mutex_);
    auto tx = sqlite_transaction::begin(db_);
    if (!tx)
        return std::unexpected(tx.error());
    auto keys = request_keys_locked(id, fingerprint, "pending");
    if (!keys)
        return std::unexpected(keys.error());
    for (const auto& key : *keys) {
        auto st = db_.prepare("UPDATE admission_requests SET state = 'rejected' WHERE appliance_id = ?1 AND key = ?2");
        if (!st)
            return std::unexpected(st.error());
        st->bind(1, id).bind(2, key);
        if (auto r = st->run(); !r)
            return std::unexpected(r.error());
    }
    if (auto r = tx->commit(); !r)
        return std::unexpected(r.error());
    return keys->size();
}

}  // namespace uun::store
