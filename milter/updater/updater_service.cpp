// The updater's state machine (see header).
#include "milter/updater/updater_service.hpp"

#include "lib/util/digest.hpp"
#include "lib/util/log.hpp"

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

namespace uun::updater {

countdown_settings countdown_settings_from(const updater_config& c)
{
    return countdown_settings{c.poll_interval, c.max_poll_interval, c.jitter_percent,
                              c.backoff_min,   c.coalesce_window,   c.reset_countdown_on_urgent};
}

updater_service::updater_service(const updater_config& config, const proto::keyring& trusted,
                                 http_transport& transport, state_store& store, const uun::clock& clock,
                                 random_source& random)
    : config_(config),
      store_(store),
      clock_(clock),
      countdown_(countdown_settings_from(config), random),
      spool_(config.spool_dir),
      cycle_(config, trusted, transport, store, clock)
{
}

result<void> updater_service::start()
{
    if (auto prepared = store_.prepare(); !prepared)
        return prepared;
    auto loaded = store_.load();
    if (!loaded)
        return std::unexpected(loaded.error());
    state_ = *loaded;
    auto token = store_.token();
    if (!token)
        return std::unexpected(token.error());
    token_ = *token;
    if (auto repaired = installer(store_).repair(state_); !repaired)
        return repaired;
    countdown_.start(clock_.now(), state_.last_poll);
    log::info(cat("appliance ", config_.appliance.id, " (", config_.appliance.product, " ",
                  config_.appliance.version, "), last_seq ", state_.last_seq, ", server ", config_.server));
    rescan();
    if (has_triggers())
        log::info(cat(triggers_.size(), " trigger(s) waiting in ", config_.spool_dir, " from before the start"));
    return {};
}

void updater_service::rescan()
{
    auto scanned = spool_.scan();
    if (!scanned) {
        log::error(scanned.error().message);
        return;
    }
    std::set<std::string> known;
    for (const auto& t : triggers_)
        known.insert(t.name);
    for (const auto& t : *scanned) {
        if (!known.contains(t.name)) {
            log::info(cat("trigger ", t.name, " (seq ", t.seq, ") arrived"));
            countdown_.on_trigger(clock_.now());
            if (cycle_.root())
                state_.trigger_seen.try_emplace(t.name, clock_.now());  // saved with the poll's state
        }
    }
    triggers_ = std::move(*scanned);
    if (triggers_.empty())
        countdown_.on_triggers_gone();
}

countdown::due updater_service::next()
{
    countdown_.notice_time(clock_.now());
    return countdown_.next(has_triggers());
}

poll_outcome updater_service::poll(proto::poll_reason reason)
{
    rescan();
    std::set<std::string> asked_about;
    for (const auto& t : triggers_)
        asked_about.insert(t.name);
    poll_outcome out = cycle_.run(reason, state_, token_, wanted_seqs());
    std::int64_t now = clock_.now();
    if (out.complete && cycle_.root()) {
        countdown_.on_success(now, reason, out.server_interval);
        finish_root_triggers(out);
        clean_partials();
        rescan();
    } else if (out.complete) {
        countdown_.on_success(now, reason, out.server_interval);
        rescan();
        for (const auto& t : finished_triggers(triggers_, asked_about, state_.last_seq, out.answered)) {
            if (auto removed = spool_.remove(t); !removed)
                log::error(removed.error().message);
            else
                log::info(cat("trigger ", t.name, " done (seq ", t.seq,
                              t.seq <= state_.last_seq ? ", handled)" : ", not for this appliance)"));
        }
        clean_partials();
        rescan();
    } else {
        countdown_.on_failure(now, out.retry_after);
        log::info(cat("next attempt in ", countdown_.not_before() - now, "s (failure ", countdown_.failures(),
                      " in a row)"));
    }
    return out;
}

std::vector<std::uint64_t> updater_service::wanted_seqs() const
{
    std::vector<std::uint64_t> out;
    if (!cycle_.root())
        return out;
    // triggers_ is sorted by seq: the oldest announcements go first.
    for (const auto& t : triggers_)
        if ((out.empty() || out.back() != t.seq) && out.size() < proto::max_wanted_seqs)
            out.push_back(t.seq);
    return out;
}

// The UUN's heads on channels this appliance follows that it has not
// finished, as "channel av reached #3 (this appliance is at #2)"; empty when
// every one is reached.
std::string updater_service::unreached_heads(const trigger& t) const
{
    std::string out;
    for (const auto& channel : config_.channel_names()) {
        auto head = t.heads.find(channel);
        if (head == t.heads.end())
            continue;
        auto at = state_.positions.contains(channel) ? state_.positions.at(channel) : 0;
        if (at < head->second)
            out += cat(out.empty() ? "" : ", ", "channel ", channel, " reached #", head->second,
                       " (this appliance is at #", at, ")");
    }
    return out;
}

// Root mode: a trigger stays until its seq was handled (installed, skipped,
// found done or on a channel not followed) and the heads its UUN named on
// followed channels are reached; until then every poll says so.
void updater_service::finish_root_triggers(poll_outcome& out)
{
    rescan();
    std::int64_t now = clock_.now();
    std::map<std::string, std::int64_t> seen;
    std::set<std::uint64_t> complained;
    for (const auto& t : triggers_) {
        std::int64_t first = state_.trigger_seen.contains(t.name) ? state_.trigger_seen.at(t.name) : now;
        std::string unreached = unreached_heads(t);
        bool resolved = out.resolved.contains(t.seq) && unreached.empty();
        bool too_old = !resolved && now - first > max_trigger_wait_seconds;
        if (!resolved && !too_old && out.resolved.contains(t.seq)) {
            seen[t.name] = first;
            log::error(cat("UUN ", t.name, " said ", unreached, "; the server has not served that far (withheld?)"));
            ++out.trust_alarms;
            ++out.problems;
            if (reported_triggers_.insert(t.name).second)
                cycle_.report(token_, t.seq, false,
                              cat("a verified UUN said ", unreached,
                                  " but the server's poll answers did not reach it (withheld or lost?)"),
                              out);
            continue;
        }
        if (!resolved && !too_old) {
            seen[t.name] = first;
            if (complained.insert(t.seq).second) {
                log::error(cat("UUN announced seq ", t.seq, "; the server has not served it"));
                ++out.trust_alarms;
                ++out.problems;
                // Once per trigger: the vendor sees it in uun-publish --status
                // when its server lost or withholds the entry.
                if (reported_triggers_.insert(t.name).second)
                    cycle_.report(token_, t.seq, false,
                                  cat("a verified UUN announced seq ", t.seq,
                                      " but the server's poll answer did not hold it (withheld or lost?)"),
                                  out);
            }
            continue;
        }
        if (too_old)
            log::error(cat("trigger ", t.name, " (seq ", t.seq, ") given up: the server has not served seq ", t.seq,
                           " in ", (now - first) / 86400, " days"));
        if (auto removed = spool_.remove(t); !removed) {
            log::error(removed.error().message);
            seen[t.name] = first;
        } else if (resolved) {
            log::info(cat("trigger ", t.name, " done (seq ", t.seq, ")"));
        }
    }
    if (seen != state_.trigger_seen) {
        state_.trigger_seen = std::move(seen);
        if (auto saved = store_.save(state_); !saved)
            log::error(saved.error().message);
    }
}

void updater_service::clean_partials()
{
    // After a complete poll nothing is half-downloaded on purpose; leftovers
    // belong to entries the server no longer offers.
    std::string dir = store_.partial_dir();
    struct dir_closer {
        void operator()(DIR* d) const { ::closedir(d); }
    };
    std::unique_ptr<DIR, dir_closer> d(::opendir(dir.c_str()));
    if (!d)
        return;
    while (struct dirent* e = ::readdir(d.get())) {
        if (is_sha256_hex(e->d_name) && ::unlinkat(::dirfd(d.get()), e->d_name, 0) != 0)
            log::warning(cat(dir, "/", e->d_name, ": cannot remove: ", std::strerror(errno)));
    }
}

}  // namespace uun::updater
