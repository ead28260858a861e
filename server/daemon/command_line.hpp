// uun-server's command line: -c FILE, -f, --sweep, --print-config [KEY],
// --help, --version.
// Caller: server_main. A bad option is an error with the usage text.
#pragma once

#include "lib/util/result.hpp"
#include "uun_build_config.hpp"

#include <string>
#include <vector>

namespace uun::daemon {

// The same directory as uun-publish, uun-milter and uun-updater: meson's sysconfdir.
inline constexpr const char* default_server_config = UUN_SYSCONFDIR "/server.yaml";

struct command_line {
    std::string config = default_server_config;
    bool foreground = false;  // -f: stay attached, log to stderr
    bool sweep = false;       // --sweep: expire old registry rows once and exit
    bool force = false;       // --force (with --sweep): even over registry.max_sweep_share
    bool print_config = false;  // --print-config [KEY]: the settings as read, then exit
    std::string print_key;
    bool help = false;
    bool version = false;
};

result<command_line> parse_command_line(const std::vector<std::string>& args);
std::string usage();

}  // namespace uun::daemon
