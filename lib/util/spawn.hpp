// The one child runner: starts a program without a shell (posix_spawn, an
// argv list), feeds it stdin, captures stdout and stderr together (bounded),
// and when it overstays sends its process group SIGTERM, then SIGKILL.
// Callers: uun-publish's run_process (postmap, postfix reload, sendmail) and
// uun-updater's hook_runner. Only a child that cannot be started is an error;
// a non-zero exit, a signal or a timeout is a spawn_outcome.
#pragma once

#include "lib/util/result.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uun {

struct spawn_options {
    // Fed to its stdin; when empty its stdin is /dev/null. With input the
    // process ignores SIGPIPE from then on (a child that stops reading must
    // not kill us; the write fails and input_complete says so).
    std::string_view input;
    // Its stdin is this file instead (input must then be empty): a payload
    // handed to ssh without holding it in memory.
    std::string stdin_path;
    // Where its output goes: captured together (the default), stdout
    // captured and stderr ours (its complaints reach the operator as they
    // come), or both ours (nothing captured).
    enum class output_mode { capture, capture_stdout, inherit } output = output_mode::capture;
    // "NAME=value" entries, all it gets; nullopt: it inherits ours.
    std::optional<std::vector<std::string>> env;
    std::chrono::milliseconds timeout = std::chrono::seconds(60);
    std::chrono::milliseconds kill_grace = std::chrono::seconds(2);  // SIGTERM to SIGKILL
    std::size_t max_output = 4096;
    bool keep_tail = false;  // keep the last max_output bytes, not the first
};

struct spawn_outcome {
    int exit_status = -1;  // its exit status, or -1 when a signal ended it
    int signal = 0;        // the signal that ended it, or 0
    bool timed_out = false;  // it overstayed and its process group was killed
    std::string output;      // stdout + stderr, at most max_output bytes
    bool input_complete = true;  // it read all of stdin before it went away
};

// The child runs in its own process group, with every signal at its default
// and none blocked. It is waited for until it exits; a background process it
// leaves behind holding the output pipe does not hold the caller.
result<spawn_outcome> spawn(const std::vector<std::string>& argv, const spawn_options& options = {});

}  // namespace uun
