// Untrusted text (file names from the spool, server error bodies, hook
// output) made safe for a log line or a JSON string: printable ASCII only,
// cut at a limit. Callers: trigger_spool, poll_cycle, hook_runner. Never fails.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace uun::updater {

std::string printable(std::string_view text, std::size_t max_bytes = 200);

}  // namespace uun::updater
