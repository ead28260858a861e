// The poll cycle in root mode (see poll_cycle.hpp, doc/trust.md): the root
// chain first, then the timestamp statement, then each followed channel in
// channel_seq order. A position only ever moves to an entry this appliance
// verified and handled, so a server that withholds one leaves a gap it sees.
#include "lib/proto/dsse.hpp"
#include "lib/proto/timestamp_statement.hpp"
#include "lib/util/log.hpp"
#include "milter/updater/log_text.hpp"
#include "milter/updater/poll_cycle.hpp"
#include "milter/updater/poll_protocol.hpp"
#include "milter/updater/root_store.hpp"

#include <algorithm>
#include <map>

namespace uun::updater {

namespace {

std::uint64_t position_of(const updater_state& state, const std::string& channel)
{
    auto it = state.positions.find(channel);
    return it == state.positions.end() ? 0 : it->second;
}

}  // namespace

poll_outcome poll_cycle::run_root(proto::poll_reason reason, updater_state& state, const std::string& token,
                                  const std::vector<std::uint64_t>& wanted)
{
    poll_outcome out;
    if (auto repaired = installer_.repair(state); !repaired) {
        log::error(cat("cannot repair an unfinished install: ", repaired.error().message));
        ++out.problems;
        return out;
    }
    if (state.root_version == 0 && state.last_seq > 0) {
        // The first poll after a move from trusted_keys (doc/trust.md, migrating).
        state.v1_last_seq = state.last_seq;
        log::info(cat("following root v", root_->version, " from now on; entries up to seq ", state.last_seq,
                      " were finished under trusted_keys"));
    }
    state.root_version = root_->version;
    for (const auto& name : config_.channel_names())
        state.positions.try_emplace(name, 0);  // shown in state.json from the first poll
    root_run run;
    bool more = true;
    while (more) {
        auto before = state.positions;
        if (!root_page(reason, state, token, wanted, out, more, run))
            return out;
        if (run.expired)
            break;
        if (more && state.positions == before) {
            log::warning("the server says there is more, but its answer moved no channel forward; trying later");
            ++out.problems;
            return out;
        }
    }
    finish_root(state, run, out);
    mark_complete(state, out);
    return out;
}

bool poll_cycle::root_page(proto::poll_reason reason, updater_state& state, const std::string& token,
                           const std::vector<std::uint64_t>& wanted, poll_outcome& out, bool& more, root_run& run)
{
    root_poll_fields fields{root_->version, {}, wanted};
    for (const auto& name : config_.channel_names())
        fields.positions[name] = position_of(state, name);
    if (fields.wanted.size() > proto::max_wanted_seqs)
        fields.wanted.resize(proto::max_wanted_seqs);
    auto answer = fetch(poll_request_body(config_, token, state.last_seq, reason, std::move(fields)), reason, out);
    if (!answer)
        return false;
    more = answer->more;
    log::info(cat("poll (", to_string(reason), ", root v", root_->version, ", last_seq ", state.last_seq, "): ",
                  answer->entries.size(), " entries, ", answer->roots.size(), " newer roots",
                  answer->more ? ", more to come" : ""));

    follow_roots(answer->roots, state);
    check_timestamp(answer->timestamp, state, run);
    std::int64_t now = clock_.now();
    if (root_->expired(now)) {
        log::error(cat("root v", root_->version, " expired at ", utc_text(root_->expires),
                       ": no update is installed until the vendor publishes a new root"));
        run.expired = true;
        ++out.trust_alarms;
        ++out.problems;
        return true;
    }

    std::map<std::string, std::vector<proto::update_entry>> by_channel;
    for (auto& entry : verified_entries(answer->entries, out)) {
        if (config_.channel(entry.channel) == nullptr) {
            log::info(cat("seq ", entry.seq, ": channel '", entry.channel, "' is not followed here; skipped"));
            out.resolved.insert(entry.seq);
            continue;
        }
        by_channel[entry.channel].push_back(std::move(entry));
    }
    for (auto& [name, entries] : by_channel) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto& a, const auto& b) { return a.channel_seq < b.channel_seq; });
        if (!handle_channel(entries, state, token, out))
            return false;
    }
    return true;
}

void poll_cycle::follow_roots(const std::vector<nlohmann::json>& roots, updater_state& state)
{
    // One link at a time, so the envelope of the newest good root is known
    // and saved, whatever stops the chain after it.
    std::uint64_t was = root_->version;
    const nlohmann::json* newest = nullptr;
    for (const auto& envelope : roots) {
        auto chain = proto::follow_root_chain(*root_, {envelope});
        if (chain.stopped) {
            log::error(cat("a newer root than v", chain.newest.version, " was refused: ", chain.stopped->message,
                           "; keeping root v", chain.newest.version));
            break;
        }
        if (chain.newest.version > root_->version) {
            root_ = std::move(chain.newest);
            newest = &envelope;
        }
    }
    if (newest == nullptr)
        return;
    if (auto saved = save_root_copy(store_.dir(), *newest); !saved)
        log::error(cat(saved.error().message, " (root v", root_->version, " is trusted until the updater stops)"));
    state.root_version = root_->version;
    log::info(cat("root v", was, " -> v", root_->version));
}

void poll_cycle::check_timestamp(const std::optional<nlohmann::json>& envelope, updater_state& state, root_run& run)
{
    if (!envelope) {
        log::warning("the answer holds no timestamp statement");
        return;
    }
    std::int64_t now = clock_.now();
    auto checked = proto::verify_timestamp(*root_, *envelope, now, timestamp_skew_seconds);
    if (!checked) {
        log::warning(cat("timestamp statement refused: ", checked.error().message));
        return;
    }
    const auto& statement = checked->statement;
    if (checked->verdict == proto::timestamp_verdict::expired) {
        log::warning(cat("timestamp statement expired at ", utc_text(statement.expires)));
        return;
    }
    if (checked->verdict == proto::timestamp_verdict::not_yet_valid) {
        log::warning(cat("timestamp statement issued at ", utc_text(statement.issued), ", ahead of this clock"));
        return;
    }
    for (const auto& name : config_.channel_names()) {
        std::uint64_t done = position_of(state, name);
        if (statement.head_of(name) < done) {
            log::error(cat("timestamp statement refused as a rollback: it says channel ", name, " ends at #",
                           statement.head_of(name), ", but this appliance already finished #", done));
            return;
        }
    }
    for (const auto& name : config_.channel_names()) {
        auto& known = state.known_heads[name];
        known = std::max(known, statement.head_of(name));
    }
    state.last_fresh_timestamp = now;
    run.fresh = true;
}

std::vector<proto::update_entry> poll_cycle::verified_entries(const std::vector<nlohmann::json>& envelopes,
                                                              poll_outcome& out)
{
    std::vector<proto::update_entry> entries;
    for (std::size_t i = 0; i < envelopes.size(); ++i) {
        auto payload = proto::verify_by_role(*root_, proto::role_name::publisher, envelopes[i],
                                             proto::update_payload_type);
        if (!payload) {
            log::warning(cat("entry ", i + 1, " of the answer refused: ", payload.error().message,
                             " (not installed; no position moves)"));
            ++out.problems;
            continue;
        }
        auto entry = proto::update_entry_from_json(*payload);
        if (!entry) {
            log::warning(cat("entry ", i + 1, " of the answer refused: ", entry.error().message));
            ++out.problems;
            continue;
        }
        if (entry->channel_seq == 0) {
            log::warning(cat("entry ", i + 1, " of the answer (seq ", entry->seq,
                             ") refused: it has no channel_seq (a v1 entry), which root mode cannot place"));
            ++out.problems;
            continue;
        }
        entries.push_back(std::move(*entry));
    }
    return entries;
}

// One followed channel's entries, by channel_seq; false: stop the poll.
bool poll_cycle::handle_channel(const std::vector<proto::update_entry>& entries, updater_state& state,
                                const std::string& token, poll_outcome& out)
{
    for (const auto& entry : entries) {
        std::uint64_t at = position_of(state, entry.channel);
        if (entry.channel_seq <= at) {
            log::debug(cat("seq ", entry.seq, ": channel ", entry.channel, " #", entry.channel_seq,
                           " already done (at #", at, ")"));
            out.resolved.insert(entry.seq);
            continue;
        }
        if (entry.channel_seq > at + 1) {
            log::error(cat("channel ", entry.channel, ": entry #", entry.channel_seq, " (seq ", entry.seq,
                           ") arrived but #", at + 1, " is missing: the server withholds it"));
            ++out.trust_alarms;
            ++out.problems;
            return true;
        }
        if (state.v1_last_seq && entry.seq <= *state.v1_last_seq) {
            log::info(cat("seq ", entry.seq, ": channel ", entry.channel, " #", entry.channel_seq,
                          " was finished before this appliance followed a root (v1 last_seq ", *state.v1_last_seq,
                          ")"));
            if (!advance(state, entry, out))
                return false;
            out.resolved.insert(entry.seq);
            continue;
        }
        if (apply(entry, *config_.channel(entry.channel), state, token, out) == step::stop)
            return false;
        if (position_of(state, entry.channel) >= entry.channel_seq)
            out.resolved.insert(entry.seq);
        else
            return true;  // not finished (a hook to retry): later entries wait for it
    }
    return true;
}

void poll_cycle::finish_root(const updater_state& state, const root_run& run, poll_outcome& out)
{
    std::int64_t now = clock_.now();
    if (!run.fresh) {
        std::string since = state.last_fresh_timestamp
                                ? cat("since ", utc_text(*state.last_fresh_timestamp), " (stale for ",
                                      now - *state.last_fresh_timestamp, " s)")
                                : std::string("since this appliance started following the root (never verified)");
        log::error(cat("no fresh timestamp statement ", since,
                       ": the server may be frozen or replaying old answers"));
        ++out.trust_alarms;
        ++out.problems;
    }
    for (const auto& name : config_.channel_names()) {
        auto known = state.known_heads.find(name);
        std::uint64_t at = position_of(state, name);
        if (known == state.known_heads.end() || known->second <= at)
            continue;
        log::error(cat("this appliance is behind by ", known->second - at, " entries on channel ", name, " (at #",
                       at, ", the timestamp statement names #", known->second, "): withheld or not yet served"));
        ++out.trust_alarms;
        ++out.problems;
    }
}

}  // namespace uun::updater
