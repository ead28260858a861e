// Runs a program without a shell (lib/util/spawn), feeds it stdin, collects
// what it writes (stdout and stderr together, bounded) and its exit status,
// and kills its process group when it overstays. Callers: the MTA hand-off
// (sendmail, postmap, postfix reload). Failures to start or a timeout are values.
#pragma once

#include "lib/util/result.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace uun::publish {

inline constexpr std::size_t max_child_output = 4096;  // the rest is dropped
inline constexpr std::chrono::seconds default_child_timeout{60};

struct process_limits {
    std::chrono::milliseconds timeout = default_child_timeout;
    std::size_t max_output = max_child_output;
};

struct process_exit {
    int status = -1;   // exit status, or -1 when killed by a signal
    int signal = 0;    // the signal that ended it, or 0
    std::string output;  // stdout + stderr, at most max_output bytes
    bool input_complete = true;  // it read all of stdin before it went away
};

// Fails only when the program cannot be started or overstays the timeout
// (it then gets SIGTERM, and SIGKILL when it lingers); a non-zero exit is a
// process_exit, not a failure.
result<process_exit> run_process(const std::vector<std::string>& argv, std::string_view input,
                                 const process_limits& limits = {});

// "exited 75: <first line of its output>", "killed by signal 9", or "".
std::string describe_failure(const std::string& program, const process_exit& e);

}  // namespace uun::publish
