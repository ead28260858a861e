// The signing side of a publish (doc/trust.md "Publisher counters"): the
// publisher's own counters choose seq and channel_seq, never the store, so a
// changed store cannot make the publisher sign a seq it did not mean. Order:
// sign, write the counters with the entry pending (fsync), append, clear.
// Callers: run_publish; tests. Failures say what the operator must check.
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/proto/update_entry.hpp"
#include "lib/util/unique_fd.hpp"
#include "server/publish/counters.hpp"
#include "server/publish/exit_code.hpp"
#include "server/store/store.hpp"

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

namespace uun::publish {

// Holds an exclusive flock on COUNTERS.lock: two uun-publish runs on one
// host would otherwise sign the same seq.
class counters_lock {
public:
    static outcome<counters_lock> take(const std::string& counters_path);

private:
    explicit counters_lock(unique_fd fd)
        : fd_(std::move(fd))
    {
    }
    unique_fd fd_;
};

// What signing needs of the log it appends to: the local store, or the
// server host's through publish.remote (remote_store.hpp).
class signed_log {
public:
    virtual ~signed_log() = default;
    virtual result<store::log_heads> channel_heads() = 0;
    virtual result<std::optional<store::stored_entry>> entry(std::uint64_t seq) = 0;
    virtual result<store::stored_entry> append_signed_entry(const proto::update_entry& entry,
                                                            const std::string& envelope) = 0;
    // The exit code of the last failure: a remote refusal keeps the far side's.
    virtual exit_code failure_code() const { return exit_code::store; }
};

class local_log final : public signed_log {
public:
    explicit local_log(store::store& store) : store_(store) {}
    result<store::log_heads> channel_heads() override { return store_.channel_heads(); }
    result<std::optional<store::stored_entry>> entry(std::uint64_t seq) override { return store_.entry(seq); }
    result<store::stored_entry> append_signed_entry(const proto::update_entry& entry,
                                                    const std::string& envelope) override
    {
        return store_.append_signed_entry(entry, envelope);
    }

private:
    store::store& store_;
};

struct publish_log {
    signed_log& store;
    std::string counters_path;
    std::ostream& out;
    std::ostream& err;
};

// The counters to sign with: read (or started from the store's heads, with
// a warning), a pending entry re-appended or cleared, and refused when the
// store's log went beyond what this publisher signed.
outcome<publisher_counters> prepare_counters(const publish_log& log);

// Gives `draft` seq counters.seq + 1 (and, when with_channel_seq, the next
// channel_seq of its channel), signs it with `key` and appends it in the
// durable order above. counters is updated as written.
outcome<store::stored_entry> sign_and_append(proto::update_entry draft, const proto::private_key& key,
                                             bool with_channel_seq, publisher_counters& counters,
                                             const publish_log& log);

}  // namespace uun::publish
