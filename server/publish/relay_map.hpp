// The Postfix lookup table that pins each UUN to its appliance's recorded
// address: sender_dependent_default_transport_maps keyed by a per-appliance
// envelope sender, "smtp:[ip]:port" each, and for the rest of the UUN
// sender domain a discard, so a UUN whose route is gone never falls back to
// an MX lookup of a domain the appliance chose. Built whole from the
// registry plus live notifications (a mail still queued keeps its route
// after its registry row expires, until its x=). Pure; the notifier writes
// it and runs postmap. A row that cannot be routed is reported, never written.
#pragma once

#include "lib/util/result.hpp"
#include "server/store/store.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace uun::publish {

// The Postfix transport of a pinned route, and the result for a sender of
// the UUN domain with no route (past its x=, or an appliance forgotten).
inline constexpr std::string_view relay_transport = "smtp";
inline constexpr std::string_view withdrawn_route = "discard:uun route withdrawn (past x= or appliance gone)";

// uun+<appliance-id>@<sender_domain>: the envelope sender of that appliance's UUNs.
std::string envelope_sender(std::string_view appliance_id, std::string_view sender_domain);
// The other way (any case, as Postfix may keep it): the appliance id of such
// a sender, or "" for any other sender or an id the protocol refuses.
std::string appliance_of_sender(std::string_view sender, std::string_view sender_domain);

// [192.0.2.7]:25 or [ipv6:2001:db8::7]:2525, from a recorded address and port.
result<std::string> next_hop(std::string_view address, int port);

struct relay_map {
    std::string content;  // postmap source: "<sender> <next-hop>" lines sorted by sender
    std::size_t routes = 0;
    std::vector<std::string> problems;  // rows left out of the table, each saying why
    // Appliances whose sender is not in the table (bad row, or a case-only
    // clash with another id: Postfix folds lookup keys to lower case).
    std::vector<std::string> unrouted;
};

relay_map build_relay_map(const std::vector<store::appliance_record>& registry,
                          const std::vector<store::notification_record>& live, std::string_view sender_domain);

}  // namespace uun::publish
