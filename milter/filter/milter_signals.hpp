// uun-milter takes SIGHUP, SIGTERM and SIGINT itself. libmilter's own signal
// thread stops the milter on SIGHUP; here the main thread waits for the
// three signals while smfi_main runs on a thread of its own. On Linux a
// signal sent to the process goes to its main thread first when that thread
// is waiting for it, so libmilter's thread never sees them; the reload runs
// on a worker, so the main thread is back waiting at once, and several
// SIGHUPs in a row make at most one more reload.
// Caller: milter_main.cpp, once privileges are dropped.
#pragma once

#include "lib/util/result.hpp"

#include <functional>

namespace uun::filter {

// Blocks the three signals in the calling thread; every thread made after
// inherits the mask. Call on the main thread before any thread starts.
result<void> block_milter_signals();

// Runs serve (smfi_main) on its own thread until it returns: SIGTERM and
// SIGINT stop it (smfi_stop), SIGHUP runs reload on the worker. Returns
// what serve returned.
int run_with_signals(const std::function<int()>& serve, const std::function<void()>& reload);

}  // namespace uun::filter
