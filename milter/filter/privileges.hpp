// Who uun-milter runs as: resolved from config while still root, then
// dropped in one function (setgroups -> setgid -> setuid, each checked)
// after the socket is open and before any mail is read. Called by
// run_milter; every failure is fatal there.
#pragma once

#include "lib/util/result.hpp"

#include <string>

#include <sys/types.h>

namespace uun::filter {

struct identity {
    std::string user;
    uid_t uid = 0;
    gid_t gid = 0;
    bool switch_needed = false;  // false when already running as that user
};

// From config `user` and `group` (empty: the user's primary group). As a
// non-root process only the current user is accepted; root is never a target.
result<identity> resolve_identity(const std::string& user, const std::string& group);

result<gid_t> resolve_group(const std::string& name);

// Becomes `who` for good and checks that root cannot be regained.
result<void> drop_privileges(const identity& who);

}  // namespace uun::filter
