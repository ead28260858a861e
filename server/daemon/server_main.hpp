// uun-server from its command line to its exit status: load server.yaml,
// then either sweep the registry once (--sweep) or serve until SIGTERM.
// Caller: main.cpp. Start-up failures are printed (or sent to the parent
// when detached) and logged; the status is 1 (2 for a bad command line).
#pragma once

namespace uun::daemon {

int server_main(int argc, char** argv);

}  // namespace uun::daemon
