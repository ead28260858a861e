// uun-milter's configuration (conf/milter.yaml documents every key): read
// with lib/config.hpp, so every problem names file, line and key and all of
// them are reported in one run. Called by main and the unit tests.
#pragma once

#include "lib/util/config.hpp"
#include "lib/util/log.hpp"
#include "lib/util/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace uun::filter {

inline constexpr std::string_view default_socket = "unix:/var/spool/postfix/uun/milter.sock";
inline constexpr std::uint64_t default_replay_cache_entries = 100000;
inline constexpr std::uint64_t default_max_body_bytes = 64 * 1024;
inline constexpr std::uint64_t max_max_body_bytes = 1024 * 1024;

struct milter_config {
    std::string socket{default_socket};  // unix:/abs/path or inet:port@host
    std::string user = "uun-milter";     // who the milter runs as once the socket is open
    std::string group;                   // empty: the user's primary group
    std::string socket_group;            // empty: the group the socket gets from the user
    mode_t socket_mode = 0660;
    std::string pid_file = "/run/uun-milter/uun-milter.pid";
    std::vector<std::string> trusted_keys;  // v1: PEM public keys, at least one
    // v2 (exclusive with trusted_keys): root files, the first that exists is
    // used; UUN keys are its notify role (key_source.hpp).
    std::vector<std::string> trusted_root;
    std::int64_t clock_skew = 300;          // seconds a UUN may be issued in the future
    std::string spool_dir;                  // the updater's trigger spool
    std::string state_dir = "/var/lib/uun-milter";
    std::size_t max_header_bytes = 1024;    // an X-UUN value longer than this is refused
    std::uint64_t replay_cache_entries = default_replay_cache_entries;
    bool subject_marker = false;  // variant: "[UUN] <tag list>" in the Subject
    bool body_token = false;      // variant: "UUN-Token: <tag list>" in the body of a "[UUN]" mail
    std::size_t max_body_bytes = default_max_body_bytes;
    log::sink log_to = log::sink::syslog;
    bool debug = false;

    bool wants_body() const { return body_token; }
    bool reads_subject() const { return subject_marker || body_token; }
    config::settings as_read;  // every key as read, defaults included (--print-config)
};

result<milter_config> parse_milter_config(std::string_view text, const std::string& name);
result<milter_config> load_milter_config(const std::string& path);

// "unix:/path" gives "/path"; anything else gives "".
std::string unix_socket_path(std::string_view socket);

}  // namespace uun::filter
