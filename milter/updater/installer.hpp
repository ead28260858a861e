// Puts a verified payload in place of a channel's file: temp file in the
// same directory + fsync + rename, the previous file kept as <file>.uun-prev,
// the install journalled in the state file before the rename, the hook run,
// and the previous file put back when the hook fails. repair() finishes what
// a crash interrupted. Called by the poll cycle and at start; failures are
// outcomes with an operator's message.
#pragma once

#include "lib/util/result.hpp"
#include "milter/updater/state_store.hpp"
#include "milter/updater/updater_config.hpp"

#include <cstdint>
#include <string>

namespace uun::updater {

enum class install_status {
    installed,    // in place, hook succeeded; last_seq moved to seq
    hook_failed,  // previous file restored; last_seq moved to seq (definitively refused)
    local_error,  // nothing changed (disk, permissions): try again later; last_seq kept
};

struct install_outcome {
    install_status status = install_status::local_error;
    std::string detail;
};

class installer {
public:
    explicit installer(const state_store& store) : store_(store) {}

    // payload: a file whose sha256 was checked; it is checked again while copied.
    // state is saved (with last_seq = seq) unless the outcome is local_error.
    // channel_seq (root mode): the channel's position moves with the same
    // save, so a crash cannot leave an installed entry unaccounted for.
    install_outcome install(const channel_config& channel, const std::string& payload, const std::string& sha256,
                            std::uint64_t seq, updater_state& state, std::uint64_t channel_seq = 0) const;

    // A journal left by a crash: restore the previous file and clear it, so
    // the next poll installs that entry again. Nothing to do: ok.
    result<void> repair(updater_state& state) const;

private:
    const state_store& store_;
};

}  // namespace uun::updater
