// --wait: after the UUNs are handed off, follow what the notified appliances
// do (fetched, installed, failed) from the store once a second until each
// has reported or time runs out. On a terminal one line is rewritten; into a
// file or pipe a line is written per change. The clock and the pause are
// injected so tests run without waiting.
#pragma once

#include "lib/util/clock.hpp"
#include "lib/util/result.hpp"
#include "server/publish/tables.hpp"
#include "server/store/store.hpp"

#include <cstdint>
#include <functional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace uun::publish {

struct wait_result {
    std::size_t targets = 0;
    entry_counts counts;
    bool timed_out = false;
    std::vector<std::string> not_installed;  // "<id>: failed: <detail>" or "<id>: no report"
    bool all_installed() const { return counts.installed == targets; }
};

// "seq 7: 3 appliances, 3 notified, 2 fetched, 1 installed, 0 failed"
std::string progress_line(std::uint64_t seq, std::size_t targets, const entry_counts& counts);

result<wait_result> wait_for_installs(store::store& store, std::uint64_t seq, const std::set<std::string>& targets,
                                      std::int64_t seconds, const uun::clock& clock,
                                      const std::function<void()>& pause, std::ostream& out, bool tty);

}  // namespace uun::publish
