// The deciding part of a notification: from an urgent entry, its targets,
// what the store knew and the time, which UUN each target gets (recipient,
// relay route, envelope sender, expiry) or why it is skipped, and the relay
// map that routes them. Pure (no I/O, no clock, no randomness: the nonce and
// message id are drawn when the mail is composed), so it is tested as a table.
// Callers: the notifier (which reads the store before, and hands off and
// records after), its unit tests.
#pragma once

#include "lib/proto/update_entry.hpp"
#include "lib/proto/uun_header.hpp"
#include "server/settings/server_config.hpp"
#include "server/store/store.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace uun::publish {

// What the store knew when the notification started: the plan's only view of it.
struct notify_store_view {
    std::vector<store::appliance_record> registry;    // rows not yet expired from the registry
    std::vector<store::notification_record> live;     // unexpired UUNs of any entry: they keep their routes
    std::vector<store::notification_record> earlier;  // this entry's earlier notifications (fetched_at)
    // Each channel's newest channel_seq: a v2 UUN names those of the
    // appliance's channels (h=), so a server that hides one is caught.
    std::map<std::string, std::uint64_t> heads = {};
};

// One target's UUN. record is what the store gets, whether sent or skipped;
// its result is left to the hand-off. A skipped UUN has no route and no claim.
struct planned_uun {
    store::notification_record record;
    std::string route;       // the next hop the relay map gives record.envelope_sender
    proto::uun_claim claim;  // what gets signed; key_id and nonce are filled in then
    std::string skip;        // set: not sent, and why (as recorded after "failed: ")

    bool skipped() const { return !skip.empty(); }
};

struct notify_plan {
    std::vector<planned_uun> uuns;       // one per target, in the targets' order
    std::string relay_map;               // postmap source, installed before the first mail
    std::vector<std::string> map_notes;  // relay-map rows left out, each saying why

    std::size_t to_send() const;
};

// targets: the appliances to notify; one missing from store.registry (read a
// moment after the caller read the targets) still gets its route.
notify_plan plan_notification(const proto::update_entry& entry, const std::vector<store::appliance_record>& targets,
                              const notify_store_view& store, const settings::publish_config& publish, std::int64_t now);

}  // namespace uun::publish
