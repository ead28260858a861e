// uun-milter's start-up and run, in the library so main.cpp stays thin:
// config, keys, socket (as root), daemon, privilege drop, replay cache,
// then smfi_main until SIGTERM. Returns the process exit code; a failure
// is logged (and printed when started from a terminal) with its reason.
#pragma once

namespace uun::filter {

int run_milter(int argc, char** argv);

}  // namespace uun::filter
