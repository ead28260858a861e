// uun-server's command line: -c FILE, -f, --sweep, --help, --version.
// Caller: server_main. A bad option is an error with the usage text.
#pragma once

#include <string>
#include <vector>

#include "lib/result.hpp"

namespace uun::server {

inline constexpr const char* default_server_config = "/etc/uun/server.yaml";

struct command_line {
    std::string config = default_server_config;
    bool foreground = false;  // -f: stay attached, log to stderr
    bool sweep = false;       // --sweep: expire old registry rows once and exit
    bool help = false;
    bool version = false;
};

result<command_line> parse_command_line(const std::vector<std::string>& args);
std::string usage();

}  // namespace uun::server
