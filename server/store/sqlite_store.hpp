// The SQLite store's class, private to server/store: one connection behind
// a mutex (SQLite serialises writers anyway, and the daemon's queries are
// short). Its methods live in one file per job: sqlite_schema.cpp (opening,
// migrations, counts), sqlite_registry.cpp (appliances and polls),
// sqlite_admission.cpp (keys and admission requests), sqlite_update_log.cpp (entries and payloads), sqlite_channel_log.cpp (the v2
// poll's per-channel view), sqlite_notifications.cpp
// (UUNs sent and reports); sqlite_rows.cpp maps rows to records.
#pragma once

#include "lib/util/sqlite.hpp"
#include "server/store/store.hpp"

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace uun::store {

// Column lists and row readers shared by the files above (sqlite_rows.cpp).
extern const char* const appliance_columns;
extern const char* const entry_columns;
extern const char* const notification_columns;
std::string pack_channels(const std::vector<std::string>& channels);
std::vector<std::string> unpack_channels(const std::string& packed);
std::string pack_target(const std::vector<proto::target_selector>& target);
appliance_record read_appliance(const sqlite_statement& s);
result<stored_entry> read_entry(const sqlite_statement& s);
notification_record read_notification(const sqlite_statement& s);

class sqlite_store final : public store {
public:
    explicit sqlite_store(sqlite_db db)
        : db_(std::move(db))
    {
    }

    result<void> migrate();

    result<registration> record_poll(const appliance_record& a, const poll_identity& who, std::int64_t now) override;
    result<poll_exchange> exchange_poll(const appliance_record& a, const poll_identity& who, std::int64_t now,
                                        std::size_t max_entries) override;
    result<poll_exchange> exchange_poll_v2(const appliance_record& a, const poll_identity& who,
                                           const log_request& request, std::int64_t now,
                                           std::size_t max_entries) override;
    result<log_heads> channel_heads() override;
    result<bool> token_matches(const std::string& id, const std::string& token_hash) override;
    result<std::optional<appliance_record>> find_appliance(const std::string& id) override;
    result<std::vector<appliance_record>> appliances(std::int64_t seen_since) override;
    result<std::vector<appliance_record>> affected_appliances(const proto::update_entry& entry,
                                                              std::int64_t seen_since) override;
    result<std::size_t> sweep_registry(std::int64_t seen_before) override;
    result<registry_census> count_stale(std::int64_t seen_before) override;
    result<bool> forget_appliance(const std::string& id) override;
    result<std::vector<admission_request>> admission_requests() override;
    result<appliance_record> accept_appliance(const std::string& id, const std::string& fingerprint) override;
    result<std::size_t> reject_appliance(const std::string& id, const std::string& fingerprint) override;
    result<stored_entry> append_entry(proto::update_entry draft, const entry_signer& sign) override;
    result<stored_entry> append_signed_entry(const proto::update_entry& entry, const std::string& envelope) override;
    result<std::uint64_t> head_seq() override;
    result<std::optional<stored_entry>> entry(std::uint64_t seq) override;
    result<std::vector<stored_entry>> recent_entries(std::size_t limit) override;
    result<std::optional<std::uint64_t>> payload_size(const std::string& sha256) override;
    result<void> record_notification(const notification_record& n) override;
    result<std::vector<notification_record>> notifications(std::uint64_t seq) override;
    result<std::vector<notification_record>> live_notifications(std::int64_t now) override;
    result<void> record_report(const report_record& r) override;
    result<std::vector<appliance_progress>> progress(std::uint64_t seq) override;
    result<store_counts> counts() override;

private:
    result<registration> record_poll_locked(const appliance_record& a, const poll_identity& who, std::int64_t now);
    // The registry half of a poll: upsert, or the admission request (sqlite_admission.cpp).
    result<registration> upsert_locked(const appliance_record& a, const poll_identity& who, std::int64_t now);
    result<registration> request_admission_locked(const appliance_record& a, const poll_identity& who,
                                                  std::int64_t now);
    // The id's requests whose key has `fingerprint` (empty: all), in `state`.
    result<std::vector<std::string>> request_keys_locked(const std::string& id, const std::string& fingerprint,
                                                         std::string_view state);
    result<std::optional<appliance_record>> find_appliance_locked(const std::string& id);
    result<std::uint64_t> head_seq_locked();
    // One poll's transaction (sqlite_registry.cpp); `select` picks the
    // entries and may fill the rest of the exchange.
    using entry_selector = std::function<result<entry_batch>(poll_exchange&)>;
    result<poll_exchange> exchange_locked(const appliance_record& a, const poll_identity& who, std::int64_t now,
                                          const entry_selector& select);
    result<entry_batch> log_entries_locked(const appliance_record& a, const log_request& request, std::size_t limit);
    result<log_heads> channel_heads_locked();
    result<entry_batch> entries_for_locked(const appliance_record& a, std::uint64_t after_seq, std::size_t limit);
    result<void> mark_fetched_locked(const std::string& appliance_id, const std::vector<std::uint64_t>& seqs,
                                     std::int64_t now);
    result<std::int64_t> scalar(const std::string& sql);
    result<stored_entry> append_locked(proto::update_entry draft, const entry_signer& sign);
    result<void> check_signed_slot_locked(const proto::update_entry& entry);
    result<void> insert_entry_locked(const proto::update_entry& entry, const std::string& envelope);
    result<std::vector<appliance_record>> select_appliances(const std::string& sql, std::int64_t seen_since,
                                                            const std::string& channel,
                                                            const std::vector<proto::target_selector>* target);
    result<std::vector<notification_record>> select_notifications(const std::string& sql, std::int64_t arg);

    std::mutex mutex_;
    sqlite_db db_;
};

}  // namespace uun::store
