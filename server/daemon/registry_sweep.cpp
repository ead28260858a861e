// Registry expiry (see header).
#include "server/daemon/registry_sweep.hpp"

#include "lib/util/units.hpp"

#include <ctime>

namespace uun::daemon {

result<sweep_outcome> sweep_expired(store::store& registry, const sweep_limits& limits, std::int64_t now)
{
    sweep_outcome out;
    out.seen_before = now - limits.expire_after.count();
    auto census = registry.count_stale(out.seen_before);
    if (!census)
        return fail(cat("registry sweep: ", census.error().message));
    out.census = *census;
    // stale * 100 > share * rows, in integers: no rounding lets a jump through.
    bool over_share = out.census.stale > sweep_always_allowed &&
                      out.census.stale * 100 > static_cast<std::uint64_t>(limits.max_share_percent) * out.census.rows;
    if (over_share && !limits.force) {
        out.held = true;
        return out;
    }
    auto removed = registry.sweep_registry(out.seen_before);
    if (!removed)
        return fail(cat("registry sweep: ", removed.error().message));
    out.removed = *removed;
    return out;
}

std::string describe(const sweep_outcome& outcome, const sweep_limits& limits)
{
    const auto& expire_after = limits.expire_after;
    std::time_t t = static_cast<std::time_t>(outcome.seen_before);
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    char since[32];
    std::strftime(since, sizeof since, "%Y-%m-%d %H:%M:%SZ", &tm);
    if (outcome.held)
        return cat("registry sweep: held, nothing removed: ", outcome.census.stale, " of ", outcome.census.rows,
                   " appliances were not seen for ", format_duration(expire_after), " (since ", since,
                   "), more than registry.max_sweep_share (", limits.max_share_percent,
                   "%); has the clock jumped forward? If they really are gone: uun-server --sweep --force");
    return cat("registry sweep: removed ", outcome.removed, outcome.removed == 1 ? " appliance" : " appliances",
               " not seen for ", format_duration(expire_after), " (since ", since, ")");
}

}  // namespace uun::daemon
