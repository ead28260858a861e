// Registry expiry (see header).
#include "server/daemon/registry_sweep.hpp"

#include "lib/util/units.hpp"

#include <ctime>

namespace uun::daemon {

result<sweep_outcome> sweep_expired(store::store& registry, std::chrono::seconds expire_after, std::int64_t now)
{
    sweep_outcome out;
    out.seen_before = now - expire_after.count();
    auto removed = registry.sweep_registry(out.seen_before);
    if (!removed)
        return fail(cat("registry sweep: ", removed.error().message));
    out.removed = *removed;
    return out;
}

std::string describe(const sweep_outcome& outcome, std::chrono::seconds expire_after)
{
    std::time_t t = static_cast<std::time_t>(outcome.seen_before);
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    char since[32];
    std::strftime(since, sizeof since, "%Y-%m-%d %H:%M:%SZ", &tm);
    return cat("registry sweep: removed ", outcome.removed, outcome.removed == 1 ? " appliance" : " appliances",
               " not seen for ", format_duration(expire_after), " (since ", since, ")");
}

}  // namespace uun::daemon
