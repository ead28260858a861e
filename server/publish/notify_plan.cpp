// Planning a notification (see header). A target is skipped for the first
// thing that would make its mail go wrong: an id or recipient the protocol
// refuses, an address with no next hop, or no row of its own in the relay map.
#include "server/publish/notify_plan.hpp"

#include "lib/proto/identity.hpp"
#include "server/publish/relay_map.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace uun::publish {

namespace {

// Why a's UUN cannot be sent, or empty; route gets its next hop.
std::string skip_reason(const store::appliance_record& a, const std::set<std::string>& unrouted,
                        const std::vector<std::string>& vendor_domains, std::string& route)
{
    if (!proto::is_valid_appliance_id(a.id))
        return "not a valid appliance id";
    if (!proto::is_valid_notify_recipient(a.notify_recipient))
        return cat("notify recipient '", a.notify_recipient.substr(0, 80), "' is not a mail address");
    // A row registered before uun-server refused such recipients.
    if (auto why = proto::refused_recipient_reason(a.notify_recipient, vendor_domains); !why.empty())
        return cat("notify recipient '", a.notify_recipient, "' is refused: ", why);
    auto hop = next_hop(a.address, a.notify_port);
    if (!hop)
        return hop.error().message;
    if (unrouted.contains(a.id))
        return "no route in the relay map (see the warnings above)";
    route = *hop;
    return {};
}

// The appliance's channels' heads, the entry's own channel first among
// them when more than max_uun_heads are followed; never below the entry.
proto::channel_heads announced_heads(const proto::update_entry& entry, const store::appliance_record& a,
                                     const std::map<std::string, std::uint64_t>& heads)
{
    proto::channel_heads out;
    auto head_of = [&](const std::string& channel) {
        auto it = heads.find(channel);
        return it == heads.end() ? std::uint64_t{0} : it->second;
    };
    out[entry.channel] = std::max(head_of(entry.channel), entry.channel_seq);
    for (const auto& channel : a.channels)
        if (out.size() < proto::max_uun_heads && head_of(channel) > 0 && proto::is_valid_channel_name(channel))
            out.emplace(channel, head_of(channel));
    return out;
}

}  // namespace

std::size_t notify_plan::to_send() const
{
    std::size_t n = 0;
    for (const auto& u : uuns)
        n += u.skipped() ? 0 : 1;
    return n;
}

notify_plan plan_notification(const proto::update_entry& entry, const std::vector<store::appliance_record>& targets,
                              const notify_store_view& store, const settings::publish_config& publish, std::int64_t now)
{
    std::int64_t expires = now + publish.uun_lifetime.count();
    std::map<std::string, std::int64_t> fetched;
    for (const auto& n : store.earlier)
        fetched[n.appliance_id] = n.fetched_at;

    auto registry = store.registry;
    std::set<std::string> in_registry;
    for (const auto& a : registry)
        in_registry.insert(a.id);
    for (const auto& t : targets)
        if (!in_registry.contains(t.id))
            registry.push_back(t);
    auto map = build_relay_map(registry, store.live, publish.sender_domain);
    auto domains = settings::vendor_domains(publish);
    std::set<std::string> unrouted(map.unrouted.begin(), map.unrouted.end());

    notify_plan plan;
    plan.relay_map = std::move(map.content);
    plan.map_notes = std::move(map.problems);
    plan.uuns.reserve(targets.size());
    for (const auto& a : targets) {
        planned_uun u;
        u.record = {.appliance_id = a.id,
                    .seq = entry.seq,
                    .notified_at = now,
                    .expires = expires,
                    .address = a.address,
                    .port = a.notify_port,
                    .envelope_sender = envelope_sender(a.id, publish.sender_domain),
                    .recipient = a.notify_recipient,
                    .result = "",
                    .fetched_at = fetched.contains(a.id) ? fetched[a.id] : 0};
        u.skip = skip_reason(a, unrouted, domains, u.route);
        if (!u.skipped())
            u.claim = {.key_id = "",
                       .seq = entry.seq,
                       .channel = entry.channel,
                       .issued = now,
                       .expires = expires,
                       .nonce = "",
                       .heads = entry.channel_seq > 0 ? announced_heads(entry, a, store.heads) : proto::channel_heads{}};
        plan.uuns.push_back(std::move(u));
    }
    return plan;
}

}  // namespace uun::publish
