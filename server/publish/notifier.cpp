// UUN notification (see header) in four steps: plan (notify_plan.hpp, pure),
// record the intent, hand-off, record the outcome. Order matters: every mail
// is in the store before it leaves (so a killed run leaves "handing off",
// not silence, and its route stays in the relay map while the UUN lives),
// and the relay map must route every mail before the first one is
// submitted, so the map is installed first, under a lock that keeps another
// publisher from rewriting it meanwhile.
#include "server/publish/notifier.hpp"

#include "lib/proto/uun_header.hpp"
#include "lib/util/digest.hpp"
#include "lib/util/random.hpp"
#include "server/publish/notify_plan.hpp"
#include "server/publish/uun_mail.hpp"

#include <chrono>

namespace uun::publish {

namespace {

std::string where(const store::notification_record& r)
{
    return cat(r.appliance_id, " (", r.address, ":", r.port, ")");
}

// What the MTA made of a plan. failures is aligned with plan.uuns: for each
// UUN handed off, why it was not queued (empty: queued); empty for a skipped one.
struct handoff_outcome {
    std::vector<std::string> failures;
    std::size_t retried = 0;
    double seconds = 0;  // relay map + submission, wall clock
};

// What the store knows now, as the plan needs it.
result<notify_store_view> read_store_view(std::uint64_t seq, const notify_context& ctx, std::int64_t now)
{
    auto registry = ctx.store.appliances(now - ctx.config.registry.expire_after.count());
    if (!registry)
        return fail(cat("store: cannot read the registry: ", registry.error().message));
    auto live = ctx.store.live_notifications(now);
    if (!live)
        return fail(cat("store: cannot read notifications: ", live.error().message));
    auto earlier = ctx.store.notifications(seq);
    if (!earlier)
        return fail(cat("store: cannot read notifications: ", earlier.error().message));
    if (ctx.heads)
        return notify_store_view{std::move(*registry), std::move(*live), std::move(*earlier), *ctx.heads};
    auto heads = ctx.store.channel_heads();
    if (!heads)
        return fail(cat("store: cannot read the channel heads: ", heads.error().message));
    return notify_store_view{std::move(*registry), std::move(*live), std::move(*earlier), std::move(heads->channels)};
}

// The planned UUN signed with a fresh nonce, in a mail of its own message id.
outgoing_mail compose(const planned_uun& u, const settings::publish_config& pub, const proto::private_key& key)
{
    auto claim = u.claim;
    claim.nonce = proto::new_uun_nonce();
    uun_mail_fields fields{
        .from = pub.from,
        .to = u.record.recipient,
        .appliance_id = u.record.appliance_id,
        .message_id = cat("uun.", u.record.seq, ".", to_hex(random_bytes(8)), "@", pub.sender_domain),
        .date = claim.issued,
        .header = proto::sign_uun(claim, key),
    };
    return {u.record.envelope_sender, u.record.recipient, compose_uun_mail(fields)};
}

// Composes the UUNs not skipped and gives them to the MTA behind the plan's
// relay map; an MTA that cannot be locked or take the map fails them all.
handoff_outcome hand_off(const notify_plan& plan, const notify_context& ctx)
{
    handoff_outcome out;
    out.failures.resize(plan.uuns.size());
    std::vector<outgoing_mail> mails;
    std::vector<std::size_t> uun_of;  // mails[k] is plan.uuns[uun_of[k]]
    for (std::size_t i = 0; i < plan.uuns.size(); ++i)
        if (!plan.uuns[i].skipped()) {
            mails.push_back(compose(plan.uuns[i], ctx.config.publish, ctx.key));
            uun_of.push_back(i);
        }

    auto started = std::chrono::steady_clock::now();
    handoff_summary sent;
    std::string mta_down;
    if (!mails.empty()) {
        if (auto r = ctx.transport.lock(); !r)
            mta_down = r.error().message;
        else if (auto r = ctx.transport.install_relay_map(plan.relay_map); !r)
            mta_down = r.error().message;
        else
            sent = submit_with_retries(ctx.transport, mails, ctx.retry, ctx.pause);
    }
    out.retried = sent.retried;
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (std::size_t k = 0; k < mails.size(); ++k)
        if (!mta_down.empty())
            out.failures[uun_of[k]] = mta_down;
        else if (!sent.results[k].queued())
            out.failures[uun_of[k]] = sent.results[k].why;
    return out;
}

// Records each UUN about to be handed off as handing_off_result; a store
// that cannot take that stops the notification before any mail leaves.
result<void> record_intent(const notify_plan& plan, store::store& store)
{
    for (const auto& u : plan.uuns) {
        if (u.skipped())
            continue;
        auto intent = u.record;
        intent.result = std::string(store::handing_off_result);
        if (auto stored = store.record_notification(intent); !stored)
            return fail(cat("store: cannot record the UUN for ", intent.appliance_id, " before handing it off: ",
                            stored.error().message, "; no UUN was handed off"));
    }
    return {};
}

// Records every planned UUN with its result and sums them up for the operator.
notify_report record_outcomes(notify_plan plan, const handoff_outcome& handed, store::store& store)
{
    notify_report report;
    report.targets = plan.uuns.size();
    report.retried = handed.retried;
    report.handoff_seconds = handed.seconds;
    report.map_notes = std::move(plan.map_notes);
    for (std::size_t i = 0; i < plan.uuns.size(); ++i) {
        auto& r = plan.uuns[i].record;
        const auto& failure = plan.uuns[i].skipped() ? plan.uuns[i].skip : handed.failures[i];
        r.result = failure.empty() ? "queued" : cat("failed: ", failure);
        if (failure.empty())
            ++report.queued;
        else
            report.failures.push_back(cat(where(r), ": ", failure));
        if (auto stored = store.record_notification(r); !stored)
            report.store_errors.push_back(cat(r.appliance_id, ": ", stored.error().message));
    }
    return report;
}

}  // namespace

result<notify_report> notify_appliances(const proto::update_entry& entry,
                                        const std::vector<store::appliance_record>& targets,
                                        const notify_context& ctx)
{
    std::int64_t now = ctx.clock.now();
    auto view = read_store_view(entry.seq, ctx, now);
    if (!view)
        return std::unexpected(view.error());
    auto plan = plan_notification(entry, targets, *view, ctx.config.publish, now);
    if (auto intent = record_intent(plan, ctx.store); !intent)
        return std::unexpected(intent.error());
    auto handed = hand_off(plan, ctx);
    return record_outcomes(std::move(plan), handed, ctx.store);
}

}  // namespace uun::publish
