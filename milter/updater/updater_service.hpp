// The updater's state machine, without the waiting: state and token loaded at
// start (an unfinished install repaired), the trigger spool, the countdown,
// and a poll that takes a snapshot of the triggers, runs the poll cycle,
// removes the triggers it finished and tells the countdown how it went.
// The daemon loop and --once drive it; tests drive it with a fake transport.
#pragma once

#include "lib/proto/keyring.hpp"
#include "lib/util/clock.hpp"
#include "lib/util/result.hpp"
#include "milter/updater/countdown.hpp"
#include "milter/updater/poll_cycle.hpp"
#include "milter/updater/random_source.hpp"
#include "milter/updater/state_store.hpp"
#include "milter/updater/transport.hpp"
#include "milter/updater/trigger_spool.hpp"
#include "milter/updater/updater_config.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace uun::updater {

countdown_settings countdown_settings_from(const updater_config& config);

// Root mode: a trigger whose entry the server never serves is given up after
// this long, so a stolen notify key cannot make the appliance complain forever.
inline constexpr std::int64_t max_trigger_wait_seconds = 7 * 86400;

class updater_service {
public:
    updater_service(const updater_config& config, const proto::keyring& trusted, http_transport& transport,
                    state_store& store, const uun::clock& clock, random_source& random);

    // Loads state and token, repairs an unfinished install, finds triggers
    // that arrived while the updater was down. Fails on a damaged state.
    result<void> start();
    // Root mode (trust.root): call before start().
    void follow_root(proto::root_metadata root) { cycle_.follow_root(std::move(root)); }
    void sign_as(const appliance_identity& identity) { cycle_.sign_as(identity); }
    const std::optional<proto::root_metadata>& root() const { return cycle_.root(); }

    // Rereads the spool (after inotify said it changed); new triggers start the coalescing window.
    void rescan();

    bool has_triggers() const { return !triggers_.empty(); }
    const std::vector<trigger>& triggers() const { return triggers_; }
    // When and why the next poll is due, as of the clock now.
    countdown::due next();
    const countdown& schedule() const { return countdown_; }
    const updater_state& state() const { return state_; }

    poll_outcome poll(proto::poll_reason reason);

private:
    void clean_partials();
    std::vector<std::uint64_t> wanted_seqs() const;
    std::string unreached_heads(const trigger& t) const;
    void finish_root_triggers(poll_outcome& out);

    const updater_config& config_;
    state_store& store_;
    const uun::clock& clock_;
    countdown countdown_;
    trigger_spool spool_;
    poll_cycle cycle_;
    updater_state state_;
    std::string token_;
    std::set<std::string> reported_triggers_;  // unserved UUNs already reported to the server
    std::vector<trigger> triggers_;
};

}  // namespace uun::updater
