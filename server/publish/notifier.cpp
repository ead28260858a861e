// UUN notification (see header). Order matters: the relay map must route
// every mail before the first one is submitted, so the map is installed
// first, under a lock that keeps another publisher from rewriting it meanwhile.
#include "server/publish/notifier.hpp"

#include <chrono>
#include <map>
#include <set>

#include "lib/util/digest.hpp"
#include "lib/util/random.hpp"
#include "lib/proto/uun_header.hpp"
#include "lib/proto/identity.hpp"
#include "server/publish/relay_map.hpp"
#include "server/publish/uun_mail.hpp"

namespace uun::publish {

namespace {

struct planned {
    const store::appliance_record* appliance = nullptr;
    store::notification_record record;
    std::string failure;  // set: not sent
    std::size_t mail_index = 0;
};

std::string where(const store::appliance_record& a)
{
    return cat(a.id, " (", a.address, ":", a.notify_port, ")");
}

}  // namespace

result<notify_report> notify_appliances(const proto::update_entry& entry,
                                        const std::vector<store::appliance_record>& targets,
                                        const notify_context& ctx)
{
    const auto& pub = ctx.config.publish;
    notify_report report;
    report.targets = targets.size();
    std::int64_t now = ctx.clock.now();
    std::int64_t expires = now + pub.uun_lifetime.count();

    auto registry = ctx.store.appliances(now - ctx.config.registry.expire_after.count());
    if (!registry)
        return fail(cat("store: cannot read the registry: ", registry.error().message));
    auto live = ctx.store.live_notifications(now);
    if (!live)
        return fail(cat("store: cannot read notifications: ", live.error().message));
    auto earlier = ctx.store.notifications(entry.seq);
    if (!earlier)
        return fail(cat("store: cannot read notifications: ", earlier.error().message));
    std::map<std::string, std::int64_t> fetched;
    for (const auto& n : *earlier)
        fetched[n.appliance_id] = n.fetched_at;

    // Targets are registry rows, but the caller may have read them a moment
    // earlier: make sure each one has its route.
    std::set<std::string> in_registry;
    for (const auto& a : *registry)
        in_registry.insert(a.id);
    for (const auto& t : targets)
        if (!in_registry.contains(t.id))
            registry->push_back(t);
    auto map = build_relay_map(*registry, *live, pub.sender_domain);
    std::set<std::string> unrouted(map.unrouted.begin(), map.unrouted.end());

    std::vector<planned> plans;
    std::vector<outgoing_mail> mails;
    plans.reserve(targets.size());
    for (const auto& a : targets) {
        planned p;
        p.appliance = &a;
        auto& r = p.record;
        r.appliance_id = a.id;
        r.seq = entry.seq;
        r.notified_at = now;
        r.expires = expires;
        r.address = a.address;
        r.port = a.notify_port;
        r.envelope_sender = envelope_sender(a.id, pub.sender_domain);
        r.recipient = a.notify_recipient;
        r.fetched_at = fetched.contains(a.id) ? fetched[a.id] : 0;
        if (!proto::is_valid_appliance_id(a.id))
            p.failure = "not a valid appliance id";
        else if (!proto::is_valid_notify_recipient(a.notify_recipient))
            p.failure = cat("notify recipient '", a.notify_recipient.substr(0, 80), "' is not a mail address");
        else if (auto hop = next_hop(a.address, a.notify_port); !hop)
            p.failure = hop.error().message;
        else if (unrouted.contains(a.id))
            p.failure = "no route in the relay map (see the warnings above)";
        if (p.failure.empty()) {
            proto::uun_claim claim{.key_id = "",
                                   .seq = entry.seq,
                                   .channel = entry.channel,
                                   .issued = now,
                                   .expires = expires,
                                   .nonce = proto::new_uun_nonce()};
            uun_mail_fields fields{
                .from = pub.from,
                .to = a.notify_recipient,
                .appliance_id = a.id,
                .message_id = cat("uun.", entry.seq, ".", to_hex(random_bytes(8)), "@",
                                  pub.sender_domain),
                .date = now,
                .header = proto::sign_uun(claim, ctx.key),
            };
            p.mail_index = mails.size();
            mails.push_back({r.envelope_sender, a.notify_recipient, compose_uun_mail(fields)});
        }
        plans.push_back(std::move(p));
    }
    report.map_notes = map.problems;

    auto started = std::chrono::steady_clock::now();
    handoff_summary sent;
    std::string mta_down;
    if (!mails.empty()) {
        if (auto r = ctx.transport.lock(); !r)
            mta_down = r.error().message;
        else if (auto r = ctx.transport.install_relay_map(map.content); !r)
            mta_down = r.error().message;
        else
            sent = submit_with_retries(ctx.transport, mails, ctx.retry, ctx.pause);
    }
    report.retried = sent.retried;
    report.handoff_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    for (auto& p : plans) {
        if (p.failure.empty() && !mta_down.empty())
            p.failure = mta_down;
        else if (p.failure.empty() && !sent.results[p.mail_index].queued())
            p.failure = sent.results[p.mail_index].why;
        p.record.result = p.failure.empty() ? "queued" : cat("failed: ", p.failure);
        if (p.failure.empty())
            ++report.queued;
        else
            report.failures.push_back(cat(where(*p.appliance), ": ", p.failure));
        if (auto r = ctx.store.record_notification(p.record); !r)
            report.store_errors.push_back(cat(p.record.appliance_id, ": ", r.error().message));
    }
    return report;
}

}  // namespace uun::publish
