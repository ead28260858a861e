// uun-milter takes SIGHUP, SIGTERM and SIGINT itself. libmilter's own signal
// thread (signal.c) waits for the three with sigwait(3) and stops the milter
// on SIGHUP, and there is no option to turn that off. Two threads waiting
// for one signal get it in no fixed order (a burst of SIGHUPs stopped the
// milter), so this file defines sigwait: once run_with_signals has begun,
// a sigwait call (libmilter's, the only caller) does not wait for those
// three, and they reach only the main thread, which waits for them with
// sigtimedwait while smfi_main runs on a thread of its own. libmilter.so
// imports sigwait, so the dynamic linker binds its call to this definition.
// The reload runs on a worker, so the main thread is back waiting at once,
// and several SIGHUPs in a row make at most one more reload.
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
