// The publisher's own record of what it signed (doc/trust.md "Publisher
// counters"): the last seq, each channel's last channel_seq, and the entry
// signed but maybe not yet in the store. Callers: publish_log.cpp, tests.
#pragma once

#include "lib/util/result.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace uun::publish {

// An envelope is at most 64 KiB of payload in base64 plus signatures.
inline constexpr std::uint64_t max_counters_bytes = 512 * 1024;

// Signed and counted, but the store may not have it yet (a run that died
// between writing the counters and the store's commit).
struct pending_entry {
    std::uint64_t seq = 0;
    std::string channel;
    std::uint64_t channel_seq = 0;
    std::string envelope;  // the DSSE envelope exactly as signed

    friend bool operator==(const pending_entry&, const pending_entry&) = default;
};

struct publisher_counters {
    std::uint64_t seq = 0;                        // the last seq this publisher signed
    std::map<std::string, std::uint64_t> channels;  // channel -> its last channel_seq (v2 entries only)
    std::optional<pending_entry> pending;

    friend bool operator==(const publisher_counters&, const publisher_counters&) = default;
};

std::string counters_json(const publisher_counters& counters);
result<publisher_counters> parse_counters(std::string_view text);

// nullopt when the file does not exist; any other problem is an error naming the file.
result<std::optional<publisher_counters>> load_counters(const std::string& path);
// Atomic replace, fsynced with its directory: once this returns, a crash keeps it.
result<void> save_counters(const std::string& path, const publisher_counters& counters);

}  // namespace uun::publish
