// Runs a channel's install hook: an argv list (no shell), a clean
// environment plus UUN_SEQ, UUN_FILE and UUN_CHANNEL, stdin from /dev/null,
// output captured for the log, in its own process group that is killed
// (SIGTERM, then SIGKILL) when the timeout passes. Called by the installer;
// every way a hook can go wrong is an outcome, never an exception.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace uun::updater {

inline constexpr std::size_t max_hook_output = 2048;  // the tail kept for logs and reports

struct hook_result {
    enum class outcome { succeeded, failed, timed_out, not_started };
    outcome how = outcome::not_started;
    int exit_code = -1;  // when it exited
    int signal = 0;      // when a signal ended it
    std::string output;  // the last max_hook_output bytes of stdout and stderr
    std::string why;     // one line for an operator

    bool ok() const { return how == outcome::succeeded; }
};

using environment = std::vector<std::pair<std::string, std::string>>;

hook_result run_hook(const std::vector<std::string>& argv, const environment& env, std::chrono::seconds timeout,
                     std::chrono::milliseconds kill_grace = std::chrono::seconds(2));

}  // namespace uun::updater
