// The fleet simulator's set-up, called by fleet_main.cpp (bench-fleet-sim):
// its command line, every number and address checked before anything is
// made; the appliances' loopback addresses; the descriptor limit; and each
// simulated appliance's world (config from one template, its directories,
// state store and token). A failure is a value whose message says what to fix.
#pragma once

#include "lib/util/result.hpp"
#include "milter/updater/state_store.hpp"
#include "milter/updater/updater_config.hpp"

#include <atomic>
#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <netinet/in.h>
#include <sys/resource.h>

namespace uun::bench {

inline constexpr std::size_t max_appliances = 60000;  // 127.16.0.0/12 holds more, fds do not
inline constexpr int max_threads = 256;

struct fleet_options {
    std::size_t count = 100;
    std::string server;
    std::string ca;
    std::string key;
    std::string work;
    std::string events;
    int threads = 16;
    int port = 25;
    std::string first = "127.16.0.1";
};

// The usage line, for stderr.
const char* fleet_usage();

// "--name value" pairs. Fails naming the option for an unknown one, a
// missing value or a missing required option, and naming the option and the
// value for a count, thread number or port out of range, a --first that is
// not an IPv4 address, or addresses that would run past 255.255.255.255.
result<fleet_options> parse_fleet_options(int argc, char** argv);

// `count` addresses from `first` on, skipping .0 and .255 in the last octet;
// parse_fleet_options has checked that they fit.
std::vector<in_addr> fleet_addresses(const std::string& first, std::size_t count);
std::string address_text(in_addr a);

// Raises RLIMIT_NOFILE towards `want` (the hard limit too where allowed) and
// returns the limit in force; fails when it is below `need`.
result<rlim_t> raise_fd_limit(rlim_t need, rlim_t want);

// One simulated appliance: the updater's config, state and token, and what
// the SMTP thread and the poll workers share about it.
struct appliance {
    updater::updater_config config;
    std::unique_ptr<updater::state_store> store;
    updater::updater_state state;
    std::string token;
    std::set<std::string> nonces;  // replay cache (SMTP thread only)
    std::atomic<bool> queued{false};
};

// Writes the template config under <work>/template, parses it as the updater
// would, and makes appliance i (fleet-<i+1>, polling from addrs[i]) with its
// own directories under <work>, a prepared state store and a token.
result<std::vector<std::unique_ptr<appliance>>> build_appliances(const fleet_options& o,
                                                                 const std::vector<in_addr>& addrs);

}  // namespace uun::bench
