// Relay map construction (see header). Registry rows win over notifications:
// they are the newest address an appliance reported.
#include "server/publish/relay_map.hpp"

#include "lib/proto/identity.hpp"
#include "lib/util/address.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace uun::publish {

namespace {

std::string lower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

struct route {
    std::string appliance_id;
    std::string next_hop;
    bool from_registry = false;
    std::int64_t notified_at = 0;
};

}  // namespace

std::string envelope_sender(std::string_view appliance_id, std::string_view sender_domain)
{
    return cat("uun+", appliance_id, "@", sender_domain);
}

std::string appliance_of_sender(std::string_view sender, std::string_view sender_domain)
{
    std::string folded = lower(sender);
    std::string suffix = cat("@", lower(sender_domain));
    if (!folded.starts_with("uun+") || !folded.ends_with(suffix))
        return "";
    std::string id(sender.substr(4, sender.size() - 4 - suffix.size()));
    return proto::is_valid_appliance_id(id) ? id : "";
}

result<std::string> next_hop(std::string_view address, int port)
{
    if (port < 1 || port > 65535)
        return fail(cat("port ", port, " is out of range"));
    auto ip = canonical_ip(address);
    if (!ip)
        return fail(cat("'", address.substr(0, 64), "' is not an IP address"));
    if (ip->v6)
        return cat("[ipv6:", ip->text, "]:", port);
    return cat("[", ip->text, "]:", port);
}

relay_map build_relay_map(const std::vector<store::appliance_record>& registry,
                          const std::vector<store::notification_record>& live, std::string_view sender_domain)
{
    relay_map out;
    // Keyed by the folded sender, as Postfix looks it up.
    std::map<std::string, route> routes;
    auto unroute = [&out](const std::string& id, std::string why) {
        out.problems.push_back(std::move(why));
        if (std::find(out.unrouted.begin(), out.unrouted.end(), id) == out.unrouted.end())
            out.unrouted.push_back(id);
    };

    for (const auto& a : registry) {
        if (!proto::is_valid_appliance_id(a.id)) {
            unroute(a.id, cat("registry row '", a.id.substr(0, 64), "': not a valid appliance id"));
            continue;
        }
        auto hop = next_hop(a.address, a.notify_port);
        if (!hop) {
            unroute(a.id, cat("appliance ", a.id, ": ", hop.error().message));
            continue;
        }
        auto key = lower(envelope_sender(a.id, sender_domain));
        auto [it, fresh] = routes.try_emplace(key, route{a.id, *hop, true, 0});
        if (!fresh)
            unroute(a.id, cat("appliance ", a.id, ": envelope sender clashes with appliance ", it->second.appliance_id,
                              " (Postfix lookup keys ignore case)"));
    }

    for (const auto& n : live) {
        if (!proto::is_valid_appliance_id(n.appliance_id))
            continue;  // never sent: the notifier checks ids before it records them
        auto key = lower(n.envelope_sender);
        auto it = routes.find(key);
        if (it != routes.end() && it->second.from_registry)
            continue;
        if (it != routes.end() && it->second.appliance_id != n.appliance_id) {
            out.problems.push_back(cat("queued UUN for ", n.appliance_id, ": envelope sender clashes with appliance ",
                                       it->second.appliance_id));
            continue;
        }
        if (it != routes.end() && it->second.notified_at >= n.notified_at)
            continue;
        auto hop = next_hop(n.address, n.port);
        if (!hop) {
            out.problems.push_back(cat("queued UUN for ", n.appliance_id, ": ", hop.error().message));
            continue;
        }
        routes[key] = route{n.appliance_id, *hop, false, n.notified_at};
    }

    out.content = "# Written by uun-publish from its registry on every urgent publish; edits are lost.\n";
    // Last in lookup order, first in the file: any other sender of the UUN
    // domain (a route withdrawn while its UUN waited in the queue) is
    // discarded, never delivered to the MX of a domain the appliance chose.
    out.content += cat("@", lower(sender_domain), " ", withdrawn_route, "\n");
    for (const auto& [sender, r] : routes)
        out.content += cat(sender, " ", relay_transport, ":", r.next_hop, "\n");
    out.routes = routes.size();
    return out;
}

}  // namespace uun::publish
