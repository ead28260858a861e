// The vendor's store: the append-only update log, the payload index, the
// registry of appliances (the IP address log), notifications and reports.
// An interface, so a PostgreSQL store can be added without touching the HTTP
// or publish code. Every method is thread-safe; failures are values.
#pragma once

#include "lib/proto/update_entry.hpp"
#include "lib/util/result.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace uun::store {

// One appliance as its latest poll described it.
struct appliance_record {
    std::string id;
    std::string address;  // the poll's TCP peer (or trusted proxy's client), textual IP
    std::string notify_recipient;
    int notify_port = 25;
    std::string product;
    std::string version;
    std::vector<std::string> channels;
    std::uint64_t last_seq = 0;
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
    std::string last_reason;  // periodic | urgent
    std::string key;          // base64 Ed25519 public key the row is bound to; empty: bound by token only
};

// Who a poll says it is (doc/protocol.md, "Appliance identity"). A plain
// token hash converts to one: an unsigned poll under the open policy.
struct poll_identity {
    poll_identity(std::string token) : token_hash(std::move(token)) {}  // NOLINT: implicit on purpose
    poll_identity(const char* token) : token_hash(token) {}             // NOLINT: implicit on purpose
    poll_identity(std::string token, std::string signing_key, bool admit)
        : token_hash(std::move(token)), key(std::move(signing_key)), admit_new(admit)
    {
    }
    std::string token_hash;  // SHA-256 hex of the body's token
    std::string key;         // base64 public key the request's signature proved; empty: unsigned
    bool admit_new = true;   // the admission policy lets a new appliance in now (open, or its product's secret)
};

// What a poll did to the registry:
//   recorded        the row is this appliance's and was updated (or made);
//   token_mismatch  an unsigned poll whose token is not the row's;
//   key_required    an unsigned poll for a row bound to a key, or a new id under a policy that admits by key;
//   pending         a signed poll the registry does not admit (yet): kept as an admission request;
//   rejected        a signed poll with a key an admin rejected for this id;
//   request_limit   a new admission request past max_requests_per_id for this id.
enum class registration { recorded, token_mismatch, key_required, pending, rejected, request_limit };

// An appliance that polled with a key the registry does not hold for its id.
struct admission_request {
    appliance_record appliance;  // as its latest poll described it; key set
    std::string state;           // pending | rejected
};
inline constexpr std::size_t max_requests_per_id = 4;

struct stored_entry {
    proto::update_entry entry;
    std::string envelope;  // the DSSE envelope JSON exactly as signed
};

struct entry_batch {
    std::vector<stored_entry> entries;
    bool more = false;  // further matching entries wait beyond the limit
};

// A notification's result from just before its mail is handed to the MTA
// until the MTA answered: left behind by a uun-publish that was killed in
// between, it says the mail may be queued (--status; --renotify sends again).
inline constexpr std::string_view handing_off_result = "handing off";

struct notification_record {
    std::string appliance_id;
    std::uint64_t seq = 0;
    std::int64_t notified_at = 0;
    std::int64_t expires = 0;  // the UUN's x=
    std::string address;
    int port = 25;
    std::string envelope_sender;
    std::string recipient;
    std::string result;          // "queued", "failed: <why>", or handing_off_result
    std::int64_t fetched_at = 0;  // 0 until a poll carried the entry to the appliance
};

struct report_record {
    std::string appliance_id;
    std::uint64_t seq = 0;
    std::string status;  // installed | failed
    std::string detail;
    std::int64_t at = 0;
};

// What one appliance did about one entry, for uun-publish --status and --wait.
struct appliance_progress {
    std::string appliance_id;
    std::string address;
    std::int64_t notified_at = 0;  // 0: not notified (non-urgent, or not affected then)
    std::string notify_result;
    std::int64_t fetched_at = 0;
    std::string status;  // "", installed, failed
    std::string detail;
    std::int64_t reported_at = 0;
};

struct store_counts {
    std::uint64_t appliances = 0;
    std::uint64_t entries = 0;
    std::uint64_t head_seq = 0;
    std::uint64_t notifications = 0;
    std::uint64_t reports = 0;
    std::uint64_t admission_requests = 0;
};

// How many registry rows there are, and how many were not seen since a time.
struct registry_census {
    std::uint64_t rows = 0;
    std::uint64_t stale = 0;
};

// How far the log and each channel have gone (the timestamp statement's figures).
struct log_heads {
    std::map<std::string, std::uint64_t> channels;  // channel -> MAX(channel_seq), v2 entries only
    std::uint64_t log_head = 0;                      // MAX(seq), v1 entries included

    friend bool operator==(const log_heads&, const log_heads&) = default;
};

// What a v2 updater asks for (doc/trust.md): per channel the channel_seq it
// has finished (missing: 0), and seqs of verified UUNs on any channel.
struct log_request {
    std::map<std::string, std::uint64_t> positions;
    std::vector<std::uint64_t> wanted;
};

struct poll_exchange {
    std::optional<appliance_record> before;  // the row before this poll, if any
    registration registered = registration::recorded;
    entry_batch batch;
    std::uint64_t head_seq = 0;
    log_heads heads;  // exchange_poll_v2 only: as of the same transaction
};

class store {
public:
    virtual ~store() = default;

    // Registry. record_poll binds an id to the first token hash it sees; a
    // poll with another token changes nothing and says token_mismatch.
    // A signed poll binds the row to its key, and a row bound to a token
    // only moves to the key of a poll with that token; a key the row is not
    // bound to becomes an admission request (the admin accepts or rejects).
    virtual result<registration> record_poll(const appliance_record& appliance, const poll_identity& who,
                                             std::int64_t now) = 0;
    // Everything a poll does, as one transaction: the row as it was, the
    // upsert (as record_poll), the entries after the appliance's last_seq on
    // its channels whose target matches it (ascending, at most max_entries),
    // the log head, and, when the row is the appliance's, its notified
    // entries among them marked fetched (the first fetch counts). One
    // consistent view, and one lock and one commit per poll instead of five.
    virtual result<poll_exchange> exchange_poll(const appliance_record& appliance, const poll_identity& who,
                                                std::int64_t now, std::size_t max_entries) = 0;
    // The same for a v2 updater: the entries are, on each of its channels,
    // every one after its position whatever the target, plus the `wanted`
    // seqs on any channel; v1 entries (channel_seq 0) never; ascending by
    // seq, at most max_entries. Also fills `heads`.
    virtual result<poll_exchange> exchange_poll_v2(const appliance_record& appliance, const poll_identity& who,
                                                   const log_request& request, std::int64_t now,
                                                   std::size_t max_entries) = 0;
    virtual result<log_heads> channel_heads() = 0;
    virtual result<bool> token_matches(const std::string& appliance_id, const std::string& token_hash) = 0;
    virtual result<std::optional<appliance_record>> find_appliance(const std::string& id) = 0;
    // Rows seen at or after seen_since, by id.
    virtual result<std::vector<appliance_record>> appliances(std::int64_t seen_since) = 0;
    // Rows seen at or after seen_since that subscribe to the entry's channel and match its target.
    virtual result<std::vector<appliance_record>> affected_appliances(const proto::update_entry& entry,
                                                                      std::int64_t seen_since) = 0;
    // Removes rows (and admission requests) not seen since seen_before; returns how many rows.
    virtual result<std::size_t> sweep_registry(std::int64_t seen_before) = 0;
    virtual result<registry_census> count_stale(std::int64_t seen_before) = 0;
    // Removes the row and every admission request of the id.
    virtual result<bool> forget_appliance(const std::string& id) = 0;

    // Admission (doc/protocol.md, "Admission"). Requests by id, then key.
    virtual result<std::vector<admission_request>> admission_requests() = 0;
    // Makes the pending request of `id` whose key has `fingerprint` (empty:
    // its only one) the registry row, replacing a row bound to another key.
    virtual result<appliance_record> accept_appliance(const std::string& id, const std::string& fingerprint) = 0;
    // Marks the matching pending requests rejected (empty fingerprint: all of
    // the id's); their polls then get 403. Returns how many.
    virtual result<std::size_t> reject_appliance(const std::string& id, const std::string& fingerprint) = 0;

    // Update log. append_entry runs as one transaction: it gives `draft` the
    // next seq (never reused, never going back), lets `sign` turn the entry
    // into its DSSE envelope, and stores both with the payload index row.
    using entry_signer = std::function<result<std::string>(const proto::update_entry&)>;
    virtual result<stored_entry> append_entry(proto::update_entry draft, const entry_signer& sign) = 0;
    // The v2 append: the publisher chose seq (and channel_seq) and signed;
    // the store only records, in one transaction, and refuses when that seq
    // or (channel, channel_seq) is taken or its log already goes beyond seq.
    // meta next_seq becomes seq + 1 so append_entry (v1) stays consistent.
    virtual result<stored_entry> append_signed_entry(const proto::update_entry& entry,
                                                     const std::string& envelope) = 0;
    virtual result<std::uint64_t> head_seq() = 0;
    virtual result<std::optional<stored_entry>> entry(std::uint64_t seq) = 0;
    virtual result<std::vector<stored_entry>> recent_entries(std::size_t limit) = 0;

    // Payload index (the files themselves live in a payload_dir).
    virtual result<std::optional<std::uint64_t>> payload_size(const std::string& sha256) = 0;

    // Notifications and reports.
    virtual result<void> record_notification(const notification_record& n) = 0;
    virtual result<std::vector<notification_record>> notifications(std::uint64_t seq) = 0;
    // Notifications whose UUN has not expired at `now` (their mail may still be queued).
    virtual result<std::vector<notification_record>> live_notifications(std::int64_t now) = 0;
    virtual result<void> record_report(const report_record& report) = 0;
    virtual result<std::vector<appliance_progress>> progress(std::uint64_t seq) = 0;

    virtual result<store_counts> counts() = 0;
};

// SQLite in WAL mode; the schema is created or migrated on open.
result<std::unique_ptr<store>> open_sqlite_store(const std::string& path);

}  // namespace uun::store
