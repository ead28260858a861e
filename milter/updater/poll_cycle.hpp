// One poll of uun-server and everything it leads to: POST /v1/poll (again
// while the answer says more), each entry verified (DSSE against the trusted
// keys), re-checked (seq, channel, target, size), downloaded, installed and
// reported, last_seq advanced only for signed entries that were handled.
// Called by updater_service for every poll; failures are in the outcome.
#pragma once

#include "lib/proto/keyring.hpp"
#include "lib/proto/update_entry.hpp"
#include "lib/util/clock.hpp"
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

namespace uun::updater {

// How often an entry whose hook fails is installed before it is given up;
// the attempts are a poll apart, each after the countdown's backoff.
inline constexpr unsigned max_hook_attempts = 5;

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
};

class poll_cycle {
public:
    poll_cycle(const updater_config& config, const proto::keyring& trusted, http_transport& transport,
               const state_store& store, const uun::clock& clock);

    // state: loaded and current; it is saved as entries are handled.
    poll_outcome run(proto::poll_reason reason, updater_state& state, const std::string& token);

private:
    enum class step { next, stop };

    bool poll_page(proto::poll_reason reason, updater_state& state, const std::string& token, poll_outcome& out,
                   bool& more);
    step handle_entry(const proto::update_entry& entry, updater_state& state, const std::string& token,
                      poll_outcome& out);
    step after_hook_failure(const proto::update_entry& entry, const std::string& detail, updater_state& state,
                            const std::string& token, poll_outcome& out);
    bool advance(updater_state& state, std::uint64_t seq, poll_outcome& out);
    void report(const std::string& token, std::uint64_t seq, bool installed, std::string_view detail,
                poll_outcome& out);
    void forget_partial(const proto::update_entry& entry);

    const updater_config& config_;
    const proto::keyring& trusted_;
    http_transport& transport_;
    const state_store& store_;
    const uun::clock& clock_;
    installer installer_;
};

}  // namespace uun::updater
