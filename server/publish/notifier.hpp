// Sends the UUNs of one urgent entry: a signed mail per target appliance,
// routed through the relay map to the appliance's recorded address, each
// hand-off recorded in the store (queued or failed: why). Callers: publish
// and --renotify. Once queued, the MTA delivers and retries; a hand-off the
// MTA deferred is tried again here (handoff_retry.hpp), and one that still
// failed is retried by --renotify.
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/proto/update_entry.hpp"
#include "lib/util/clock.hpp"
#include "server/publish/handoff_retry.hpp"
#include "server/publish/mail_transport.hpp"
#include "server/settings/server_config.hpp"
#include "server/store/store.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace uun::publish {

struct notify_context {
    const settings::server_config& config;
    const proto::private_key& key;
    store::store& store;
    mail_transport& transport;
    const uun::clock& clock;
    retry_policy retry{};
    pause_function pause = sleep_pause;
    // The heads a v2 UUN names (h=): the publisher's own counters where this
    // host has them, so a store that hides an entry cannot shrink them;
    // nullopt: the store's heads (a server host notifying for --serve).
    std::optional<std::map<std::string, std::uint64_t>> heads = std::nullopt;
};

struct notify_report {
    std::size_t targets = 0;
    std::size_t queued = 0;
    std::size_t retried = 0;               // queued, but only on a later pass
    std::vector<std::string> failures;     // one per appliance not handed off: "<id> (<addr>): why"
    std::vector<std::string> map_notes;    // relay-map rows left out that were not targets
    std::vector<std::string> store_errors;  // notifications that could not be recorded
    double handoff_seconds = 0;            // relay map + submission, wall clock
};

// targets: the appliances to notify (affected, and for --renotify not yet
// installed). The report says what happened to each; only a store that
// cannot be read at all is a failure of the whole call.
result<notify_report> notify_appliances(const proto::update_entry& entry,
                                        const std::vector<store::appliance_record>& targets,
                                        const notify_context& ctx);

}  // namespace uun::publish
