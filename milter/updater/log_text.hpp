// Untrusted text (file names from the spool, server error bodies, hook
// output) made safe for a log line or a JSON string: printable ASCII only,
// cut at a limit. Callers: trigger_spool, poll_cycle, hook_runner. Never fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace uun::updater {

std::string printable(std::string_view text, std::size_t max_bytes = 200);

// Unix seconds as an ISO 8601 UTC time ("2027-01-15T08:00:00Z") for log lines.
std::string utc_text(std::int64_t unix_seconds);

}  // namespace uun::updater
