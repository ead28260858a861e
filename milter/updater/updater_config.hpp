// uun-updater's configuration: what updater.yaml holds, read and checked in
// one pass. Called by main.cpp at start and by the unit tests; every problem
// (unknown key, wrong type, bad path, bad value) is reported with file:line:key.
#pragma once

#include "lib/proto/update_entry.hpp"
#include "lib/util/config.hpp"
#include "lib/util/result.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace uun::updater {

struct channel_config {
    std::string name;
    std::string file;               // absolute; its directory exists
    std::vector<std::string> hook;  // argv, hook[0] absolute; empty: no hook
    std::chrono::seconds hook_timeout{60};
    std::uint64_t max_size = 64ull << 20;
};

struct timeouts_config {
    std::chrono::seconds connect{10};
    std::chrono::seconds request{60};     // a whole poll or report exchange
    std::chrono::seconds download{1800};  // a whole payload download
    std::chrono::seconds low_speed_time{30};
    std::uint64_t low_speed_limit = 1024;  // bytes per second
};

// An HTTP(S) proxy between the appliance and uun-server (freshclam's
// HTTPProxyServer). The TLS session to uun-server goes through a CONNECT
// tunnel, verified exactly as without a proxy.
struct proxy_config {
    std::string url;               // http://host:port or https://host:port; empty: direct
    std::string credentials_file;  // one line "user:password", mode 0600; empty: no proxy authentication
    std::string ca_file;           // an https:// proxy's CA; empty: the system's
};

struct updater_config {
    std::string server;  // https base URL without a trailing slash
    std::string ca_file;
    std::string pinned_public_key;
    std::string source_address;
    proxy_config proxy;
    proto::appliance_facts appliance;
    std::string enrollment_secret_file;  // appliance.enrollment_secret_file; empty: none
    std::string certificate_file;        // appliance.certificate_file: the device certificate (PEM); empty: none
    std::string notify_recipient;
    int notify_port = 25;
    std::vector<std::string> trusted_keys;  // v1 trust model
    std::string trust_root;  // trust.root: the shipped root (v2 trust model); empty: v1
    std::string state_dir;
    std::string spool_dir;
    std::chrono::seconds poll_interval{24 * 3600};
    std::chrono::seconds max_poll_interval{7 * 24 * 3600};
    int jitter_percent = 10;
    std::chrono::seconds backoff_min{30};
    bool reset_countdown_on_urgent = false;
    std::chrono::seconds coalesce_window{2};
    std::uint64_t max_answer_size = 1ull << 20;
    timeouts_config timeouts;
    std::map<std::string, channel_config> channels;
    bool log_debug = false;

    bool root_mode() const { return !trust_root.empty(); }
    const channel_config* channel(const std::string& name) const;
    std::vector<std::string> channel_names() const;
    config::settings as_read;  // every key as read, defaults included (--print-config)
};

result<updater_config> load_updater_config(const std::string& path,
                                           config::host_checks host = config::host_checks::enforce);
result<updater_config> parse_updater_config(std::string_view text, const std::string& name);

}  // namespace uun::updater
