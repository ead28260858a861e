// What the updater remembers across restarts, in state_dir: last_seq, the
// last complete poll, the install journal (state.json, replaced atomically),
// the appliance token (token, 0600, made once) and partial downloads.
// Called by main.cpp, the poll cycle and the installer; I/O and a damaged
// state file are results with the path in the message.
#pragma once

#include "lib/util/result.hpp"
#include "lib/util/unique_fd.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace uun::updater {

// Written before an install renames the new file into place, cleared after
// the hook: found at start, it means the install did not finish.
struct pending_install {
    std::uint64_t seq = 0;
    std::string channel;
    std::string file;
    bool had_previous = false;

    friend bool operator==(const pending_install&, const pending_install&) = default;
};

// An entry whose hook failed: tried again after a backoff until it works
// or max_hook_attempts are spent (poll_cycle), counted across restarts.
struct hook_retry {
    std::uint64_t seq = 0;
    unsigned attempts = 0;

    friend bool operator==(const hook_retry&, const hook_retry&) = default;
};

struct updater_state {
    std::uint64_t last_seq = 0;
    std::optional<std::int64_t> last_poll;
    std::optional<pending_install> pending;
    std::optional<hook_retry> retry;
    // Root mode (trust.root) only; empty in a v1 updater's state file.
    std::map<std::string, std::uint64_t> positions = {};    // channel -> channel_seq finished
    std::map<std::string, std::uint64_t> known_heads = {};  // channel -> highest head a fresh timestamp named
    std::optional<std::int64_t> last_fresh_timestamp = {};  // when a fresh statement was last verified
    std::uint64_t root_version = 0;                    // informational: root.json holds the root
    std::map<std::string, std::int64_t> trigger_seen = {};  // trigger name -> first seen (the 7-day limit)
    // last_seq when this appliance moved from trusted_keys to a root: entries
    // at or below it were finished under v1 and are not installed again.
    std::optional<std::uint64_t> v1_last_seq = {};

    friend bool operator==(const updater_state&, const updater_state&) = default;
};

class state_store {
public:
    explicit state_store(std::string state_dir);
    state_store(const state_store&) = delete;
    state_store& operator=(const state_store&) = delete;

    // Creates state_dir (0700) and its partial/ directory when missing.
    result<void> prepare();
    // Holds state_dir/lock for the life of this object: one updater per state_dir.
    result<void> lock();

    result<updater_state> load() const;  // no file yet: a new appliance (last_seq 0)
    result<void> save(const updater_state& state) const;

    // The appliance's token (base64url of 32 random bytes), created on first use.
    result<std::string> token() const;

    std::string partial_dir() const { return dir_ + "/partial"; }
    std::string state_file() const { return dir_ + "/state.json"; }
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
    unique_fd lock_fd_;
};

// A previous file kept beside the channel's file while an install runs.
std::string previous_file_of(const std::string& file);

}  // namespace uun::updater
