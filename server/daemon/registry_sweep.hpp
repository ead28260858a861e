// Removing registry rows of appliances not seen for registry.expire_after,
// so their ids are released and they get no more UUNs. Callers: the server's
// periodic timer and `uun-server --sweep`. Store failures are values.
#pragma once

#include "lib/util/result.hpp"
#include "server/store/store.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace uun::daemon {

// A clock that jumps forward past registry.expire_after makes every row look
// stale at once; the sweep then removes nothing and says why (held). Up to
// sweep_always_allowed rows may go whatever the share, so a small registry
// still expires.
inline constexpr std::uint64_t sweep_always_allowed = 10;

struct sweep_limits {
    std::chrono::seconds expire_after{7 * 86400};
    int max_share_percent = 25;  // registry.max_sweep_share; 100: no limit
    bool force = false;          // uun-server --sweep --force: the operator says the clock is right
};

struct sweep_outcome {
    std::size_t removed = 0;
    std::int64_t seen_before = 0;  // rows last seen before this unix time went
    bool held = false;             // over the share: nothing removed
    store::registry_census census;
};

result<sweep_outcome> sweep_expired(store::store& registry, const sweep_limits& limits, std::int64_t now);

// "registry sweep: removed 3 appliances not seen for 7d (since 2025-01-01 00:00:00Z)",
// or, held, why nothing was removed and what the operator can do.
std::string describe(const sweep_outcome& outcome, const sweep_limits& limits);

}  // namespace uun::daemon
