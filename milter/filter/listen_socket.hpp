// The milter's listening socket: checked for a live instance, opened with
// smfi_opensocket while still root, then given the owner, group and mode
// from config so the MTA's user can connect. Called by run_milter; every
// failure is fatal there.
#pragma once

#include "lib/util/result.hpp"

#include <string>

#include <sys/types.h>

namespace uun::filter {

// unix: sockets only: fails when a milter answers on the path (or the path
// is not a socket), removes a socket nobody answers on. inet: nothing to do,
// since bind itself refuses a port in use.
result<void> clear_stale_socket(const std::string& spec);

// smfi_setconn + smfi_opensocket (register_filter must have run); a unix
// socket is created with `mode` and then given owner and group.
result<void> open_milter_socket(const std::string& spec, uid_t owner, gid_t group, mode_t mode);

}  // namespace uun::filter
