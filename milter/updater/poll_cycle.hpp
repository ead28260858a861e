// One poll of uun-server and everything it leads to: POST /v1/poll (again
// while the answer says more), each entry verified (DSSE against the trusted
// keys), re-checked (seq, channel, target, size), downloaded, installed and
// reported, last_seq advanced only for signed entries that were handled.
// In root mode (trust.root, root_poll.cpp) the root chain, the timestamp
// statement and each channel's order are checked too. Called by
// updater_service for every poll; failures are in the outcome.
#pragma once

#include "lib/proto/keyring.hpp"
#include "lib/proto/poll_messages.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/proto/update_entry.hpp"
#include "lib/util/clock.hpp"
#include "milter/updater/appliance_identity.hpp"
#include "milter/updater/countdown.hpp"
#include "milter/updater/installer.hpp"
#include "milter/updater/state_store.hpp"
#include "milter/updater/transport.hpp"
#include "milter/updater/updater_config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace uun::updater {

// How often an entry whose hook fails is installed before it is given up;
// the attempts are a poll apart, each after the countdown's backoff.
inline constexpr unsigned max_hook_attempts = 5;
// How far a timestamp statement's issued time may be ahead of this clock.
inline constexpr std::int64_t timestamp_skew_seconds = 300;

struct poll_outcome {
    // complete: every answer read and every entry in it handled (more=false at the end).
    // Otherwise a transient problem stopped it: try again after a backoff.
    bool complete = false;
    std::optional<std::chrono::seconds> retry_after;      // from a 503/429
    std::optional<std::chrono::seconds> server_interval;  // the answer's poll_interval
    std::set<std::uint64_t> answered;                     // seqs of the verified entries seen
    int installed = 0;
    int skipped = 0;   // signed, but not for this appliance
    int problems = 0;  // what an operator should look at (refusals, hook failures, transient failures)
    // Root mode: seqs whose triggers are done (installed, skipped, already
    // done, or on a channel not followed).
    std::set<std::uint64_t> resolved;
    // Root mode: signs of a server that withholds, freezes or replays
    // (stale timestamp, a gap, behind the heads, an expired root); counted in problems too.
    int trust_alarms = 0;
};

class poll_cycle {
public:
    poll_cycle(const updater_config& config, const proto::keyring& trusted, http_transport& transport,
               const state_store& store, const uun::clock& clock);

    // Root mode from now on: entries and timestamps are checked against
    // this root, which follows the chain the server serves.
    void follow_root(proto::root_metadata root) { root_ = std::move(root); }
    const std::optional<proto::root_metadata>& root() const { return root_; }
    // Polls and reports from now on carry the appliance's signature (and its
    // enrollment secret on polls); identity outlives this cycle.
    void sign_as(const appliance_identity& identity) { identity_ = &identity; }

    // state: loaded and current; it is saved as entries are handled.
    // wanted (root mode): seqs of triggers still waiting, oldest first.
    poll_outcome run(proto::poll_reason reason, updater_state& state, const std::string& token,
                     const std::vector<std::uint64_t>& wanted = {});

    // Tells the server what became of seq (its failures land in uun-publish --status).
    void report(const std::string& token, std::uint64_t seq, bool installed, std::string_view detail,
                poll_outcome& out);

private:
    enum class step { next, stop };
    struct root_run {
        bool fresh = false;    // a fresh timestamp statement verified in this poll
        bool expired = false;  // the newest root has expired: nothing is installed
    };

    std::optional<proto::poll_answer> fetch(const std::string& body, proto::poll_reason reason, poll_outcome& out);
    bool poll_page(proto::poll_reason reason, updater_state& state, const std::string& token, poll_outcome& out,
                   bool& more);
    step handle_entry(const proto::update_entry& entry, updater_state& state, const std::string& token,
                      poll_outcome& out);
    step apply(const proto::update_entry& entry, const channel_config& channel, updater_state& state,
               const std::string& token, poll_outcome& out);

    // Root mode (root_poll.cpp).
    poll_outcome run_root(proto::poll_reason reason, updater_state& state, const std::string& token,
                          const std::vector<std::uint64_t>& wanted);
    bool root_page(proto::poll_reason reason, updater_state& state, const std::string& token,
                   const std::vector<std::uint64_t>& wanted, poll_outcome& out, bool& more, root_run& run);
    void follow_roots(const std::vector<nlohmann::json>& roots, updater_state& state);
    void check_timestamp(const std::optional<nlohmann::json>& envelope, updater_state& state, root_run& run);
    std::vector<proto::update_entry> verified_entries(const std::vector<nlohmann::json>& envelopes,
                                                      poll_outcome& out);
    bool handle_channel(const std::vector<proto::update_entry>& entries, updater_state& state,
                        const std::string& token, poll_outcome& out);
    void finish_root(const updater_state& state, const root_run& run, poll_outcome& out);
    step after_hook_failure(const proto::update_entry& entry, const std::string& detail, updater_state& state,
                            const std::string& token, poll_outcome& out);
    // Past entry: last_seq (v1) or the entry's channel position (root mode).
    bool advance(updater_state& state, const proto::update_entry& entry, poll_outcome& out);
    void mark_complete(updater_state& state, poll_outcome& out);
    void forget_partial(const proto::update_entry& entry);
    http_request api_request(std::string path, std::string body) const;

    const updater_config& config_;
    const proto::keyring& trusted_;
    http_transport& transport_;
    const state_store& store_;
    const uun::clock& clock_;
    installer installer_;
    std::optional<proto::root_metadata> root_;
    const appliance_identity* identity_ = nullptr;
    bool registered_ = true;  // the last poll's answer said registered (or did not say)
};

}  // namespace uun::updater
