// uun-publish as a function: parse the command line, load server.yaml,
// run the command, print the failure and return the exit status. main()
// only supplies argv, the streams and whether stdout is a terminal.
#pragma once

#include <ostream>

namespace uun::publish {

int run_publish_cli(int argc, const char* const argv[], std::ostream& out, std::ostream& err, bool tty);

}  // namespace uun::publish
