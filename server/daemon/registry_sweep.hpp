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

struct sweep_outcome {
    std::size_t removed = 0;
    std::int64_t seen_before = 0;  // rows last seen before this unix time went
};

result<sweep_outcome> sweep_expired(store::store& registry, std::chrono::seconds expire_after, std::int64_t now);

// "registry sweep: removed 3 appliances not seen for 7d (since 2025-01-01 00:00:00Z)"
std::string describe(const sweep_outcome& outcome, std::chrono::seconds expire_after);

}  // namespace uun::daemon
