// uun-publish: the vendor's admin CLI (sign, append, notify; status). All
// logic is in the uun_publish library; see publish_app.hpp and --help.
#include "server/publish/publish_app.hpp"

#include <iostream>

#include <unistd.h>

int main(int argc, char** argv)
{
    return uun::publish::run_publish_cli(argc, argv, std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1);
}
