// Publisher counters against the store (see header). The store is only
// trusted to keep what it was given: its head is compared with the counters,
// never used to choose a seq, and an entry pending from an interrupted run is
// appended with the very envelope that was signed then.
#include "server/publish/publish_log.hpp"

#include "lib/proto/dsse.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace uun::publish {

namespace {

std::string heads_text(const std::map<std::string, std::uint64_t>& channels)
{
    if (channels.empty())
        return "no channel_seq yet";
    std::string out;
    for (const auto& [channel, n] : channels)
        out += cat(out.empty() ? "" : ", ", channel, "=", n);
    return out;
}

outcome<void> save(const publish_log& log, const publisher_counters& c)
{
    if (auto r = save_counters(log.counters_path, c); !r)
        return fail_with(exit_code::store, r.error().message);
    return {};
}

// No counters file: an empty store starts at 0; otherwise the store's heads,
// which the operator must confirm, since a changed store would go unnoticed.
outcome<publisher_counters> start_counters(const publish_log& log)
{
    auto heads = log.store.channel_heads();
    if (!heads)
        return fail_with(exit_code::store, cat("store: ", heads.error().message));
    publisher_counters c{heads->log_head, heads->channels, std::nullopt};
    if (heads->log_head > 0)
        log.err << "uun-publish: warning: no publisher counters at " << log.counters_path
                << "; starting them from the store: seq " << heads->log_head << ", channels "
                << heads_text(heads->channels) << "; check these against your records\n";
    if (auto r = save(log, c); !r)
        return std::unexpected(r.error());
    return c;
}

// The entry an envelope carries, unverified: it is our own, signed earlier.
outcome<proto::update_entry> pending_entry_of(const pending_entry& p, const std::string& path)
{
    auto bad = [&](const std::string& why) {
        return fail_with(exit_code::store, cat(path, ": the pending entry seq ", p.seq, " ", why));
    };
    auto j = nlohmann::json::parse(p.envelope, nullptr, false);
    if (j.is_discarded())
        return bad("has an envelope that is not JSON");
    auto payload = proto::dsse_unverified_payload(j, proto::update_payload_type);
    if (!payload)
        return bad(payload.error().message);
    auto entry = proto::update_entry_from_json(*payload);
    if (!entry)
        return bad(entry.error().message);
    if (entry->seq != p.seq || entry->channel != p.channel || entry->channel_seq != p.channel_seq)
        return bad("does not match its envelope");
    return std::move(*entry);
}

// A run that stopped between the counters and the store: append what it
// signed, or find the store has it already.
outcome<void> resolve_pending(publisher_counters& c, const publish_log& log)
{
    const auto& p = *c.pending;
    auto entry = pending_entry_of(p, log.counters_path);
    if (!entry)
        return std::unexpected(entry.error());
    auto stored = log.store.entry(p.seq);
    if (!stored)
        return fail_with(exit_code::store, cat("store: ", stored.error().message));
    if (*stored && (*stored)->envelope != p.envelope)
        return fail_with(exit_code::store,
                         cat("the store has a different entry at seq ", p.seq, " than the one this publisher signed ",
                             "(pending in ", log.counters_path, "): another publisher wrote to it or the store was ",
                             "changed; see doc/trust.md"));
    if (!*stored) {
        if (auto r = log.store.append_signed_entry(*entry, p.envelope); !r)
            return fail_with(exit_code::store, cat("store: the pending entry seq ", p.seq, " (", log.counters_path,
                                                   ") cannot be appended: ", r.error().message));
        log.out << "appended seq " << p.seq << " (" << entry->id << "), signed by an earlier run that stopped "
                << "before the store had it" << (entry->urgent ? cat("; its UUNs were not sent: uun-publish "
                                                                     "--renotify ", p.seq)
                                                               : std::string())
                << "\n";
    }
    c.pending.reset();
    return save(log, c);
}

outcome<void> check_store_heads(const publisher_counters& c, const publish_log& log)
{
    auto heads = log.store.channel_heads();
    if (!heads)
        return fail_with(exit_code::store, cat("store: ", heads.error().message));
    if (heads->log_head > c.seq)
        return fail_with(exit_code::store,
                         cat("the store's log goes to seq ", heads->log_head, " but this publisher last signed seq ",
                             c.seq, ": another publisher wrote to it or the store was changed; see doc/trust.md"));
    for (const auto& [channel, n] : heads->channels) {
        auto mine = c.channels.find(channel);
        std::uint64_t signed_here = mine == c.channels.end() ? 0 : mine->second;
        if (n > signed_here)
            return fail_with(exit_code::store,
                             cat("the store's channel ", channel, " goes to channel_seq ", n, " but this publisher ",
                                 "last signed channel_seq ", signed_here, ": another publisher wrote to it or the ",
                                 "store was changed; see doc/trust.md"));
    }
    return {};
}

}  // namespace

outcome<counters_lock> counters_lock::take(const std::string& counters_path)
{
    std::string path = counters_path + ".lock";
    unique_fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd)
        return fail_with(exit_code::store, cat(path, ": cannot open the publisher lock: ", std::strerror(errno)));
    while (::flock(fd.get(), LOCK_EX) != 0)
        if (errno != EINTR)
            return fail_with(exit_code::store, cat(path, ": cannot lock: ", std::strerror(errno)));
    return counters_lock(std::move(fd));
}

outcome<publisher_counters> prepare_counters(const publish_log& log)
{
    auto loaded = load_counters(log.counters_path);
    if (!loaded)
        return fail_with(exit_code::store, cat("publisher counters (publish.counters): ", loaded.error().message));
    publisher_counters c;
    if (*loaded) {
        c = std::move(**loaded);
    } else {
        auto started = start_counters(log);
        if (!started)
            return std::unexpected(started.error());
        c = std::move(*started);
    }
    if (c.pending)
        if (auto r = resolve_pending(c, log); !r)
            return std::unexpected(r.error());
    if (auto r = check_store_heads(c, log); !r)
        return std::unexpected(r.error());
    return c;
}

outcome<store::stored_entry> sign_and_append(proto::update_entry draft, const proto::private_key& key,
                                             bool with_channel_seq, publisher_counters& counters,
                                             const publish_log& log)
{
    draft.seq = counters.seq + 1;
    draft.channel_seq = with_channel_seq ? counters.channels[draft.channel] + 1 : 0;
    if (draft.id.empty())
        draft.id = cat(draft.channel, "-", draft.seq);
    std::string envelope = proto::dsse_sign(proto::update_payload_type, proto::entry_payload(draft), key).dump();

    publisher_counters next = counters;
    next.seq = draft.seq;
    if (with_channel_seq)
        next.channels[draft.channel] = draft.channel_seq;
    next.pending = pending_entry{draft.seq, draft.channel, draft.channel_seq, envelope};
    if (auto r = save(log, next); !r)
        return std::unexpected(r.error());
    counters = next;

    auto stored = log.store.append_signed_entry(draft, envelope);
    if (!stored)
        return fail_with(log.store.failure_code(), cat("store: entry seq ", draft.seq, " not published: ",
                                               stored.error().message, " (it stays pending in ", log.counters_path,
                                               "; the next run appends it)"));
    counters.pending.reset();
    if (auto r = save(log, counters); !r)
        log.err << "uun-publish: warning: entry seq " << draft.seq << " is published, but " << r.error().message
                << "; the next run finds it in the store and clears it\n";
    return std::move(*stored);
}

}  // namespace uun::publish
