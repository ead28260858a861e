// uun-publish's command line (Boost.Program_options): which command, its
// arguments, and the usage errors an operator gets for a wrong combination.
// Parsing only; nothing is read or checked on disk here.
#pragma once

#include "server/publish/exit_code.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace uun::publish {

inline constexpr std::int64_t default_wait_seconds = 600;
inline constexpr std::int64_t max_wait_seconds = 7 * 86400;
inline constexpr std::size_t default_list_limit = 20;

enum class command {
    publish,
    renotify,
    status,
    list,
    appliances,
    pending,
    accept,
    reject,
    forget,
    expire_queue,
    print_config,
    help,
    version
};

struct cli_options {
    command what = command::help;
    std::string config_path;
    // publish
    std::string file;
    std::string channel;
    std::optional<std::string> name;
    bool urgent = false;
    std::string target;  // comma-separated selectors; empty: every appliance
    // renotify, status (0 with --status: the newest entry)
    std::uint64_t seq = 0;
    bool json = false;  // --json: status, list, appliances, pending
    std::optional<std::int64_t> wait_seconds;  // --wait[=SECONDS]
    std::size_t limit = default_list_limit;    // --list
    std::string print_key;                     // --print-config [KEY]
    // accept, reject, forget
    std::string appliance;
    std::string key_fingerprint;  // --key SHA256:...; empty: the id's only pending key (all, for reject)
};

outcome<cli_options> parse_cli(int argc, const char* const argv[]);

std::string help_text();
std::string default_config_path();  // UUN_SYSCONFDIR/server.yaml

}  // namespace uun::publish
