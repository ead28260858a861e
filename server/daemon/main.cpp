// uun-server: the vendor's HTTPS update server (doc/protocol.md). Everything
// but this line lives in the uun_daemon library, which the tests link too.
#include "server/daemon/server_main.hpp"

int main(int argc, char** argv)
{
    return uun::daemon::server_main(argc, argv);
}
