// The admin host's end of the publish path (doc/protocol.md, "The publish
// path"): runs publish.remote (ssh to the server host) with the words of one
// `uun-publish --serve` request. SSH authenticates both hosts and carries the
// bytes; the words are checked again on the far side. Callers: remote_store,
// the commands in remote mode. A failure names the command and its status.
#pragma once

#include "server/publish/exit_code.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace uun::publish {

// An answer on stdout (JSON of one object) is never larger than this.
inline constexpr std::size_t max_remote_answer = 1 << 20;

struct remote_link {
    std::vector<std::string> prefix;  // publish.remote
    std::chrono::seconds timeout{3600};
};

// Runs PREFIX uun-publish --serve WORDS..., its stdin `input` (or the file
// at stdin_path), and returns what it printed on stdout; its stderr is ours.
outcome<std::string> remote_call(const remote_link& link, const std::vector<std::string>& words,
                                 std::string_view input, const std::string& stdin_path = {});

// Runs a forwarded command (`run --list` ...) with its output ours, and
// returns its exit status as uun-publish's own.
outcome<int> remote_command(const remote_link& link, const std::vector<std::string>& words);

// The word rule both ends apply: letters, digits and . _ - = , : + only, so a
// word passes a remote shell unchanged (ssh joins words with spaces).
bool is_remote_word(std::string_view word);

}  // namespace uun::publish
