// What --status, --list, --appliances and --pending print: plain-text tables with
// aligned columns and times in ISO 8601 UTC. Pure formatting over store
// records; callers: the commands and their tests.
#pragma once

#include "server/store/store.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace uun::publish {

// "2026-11-23T18:45:21Z"; 0 (never) is "-".
std::string iso8601_utc(std::int64_t unix_seconds);

// Columns padded to the widest cell, two spaces apart, no trailing blanks.
std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

std::string target_text(const std::vector<proto::target_selector>& target);

// Entry facts, then one row per appliance that was notified or reported.
std::string status_report(const store::stored_entry& entry, const std::vector<store::appliance_progress>& progress,
                          const std::vector<store::notification_record>& notifications);
// --status on an empty log: no entry, and the appliance table empty.
std::string empty_status_report();

struct entry_counts {
    std::size_t queued = 0;
    std::size_t handoff_failed = 0;
    std::size_t handing_off = 0;  // a uun-publish stopped during the hand-off (or one runs now)
    std::size_t fetched = 0;
    std::size_t installed = 0;
    std::size_t install_failed = 0;
};
entry_counts count_progress(const std::vector<store::appliance_progress>& progress);

struct listed_entry {
    store::stored_entry entry;
    entry_counts counts;
};
std::string list_report(const std::vector<listed_entry>& entries);

// --pending: the keys waiting for admission, and those rejected.
std::string admission_report(const std::vector<store::admission_request>& requests);
std::string appliances_report(const std::vector<store::appliance_record>& appliances, std::int64_t live_since);

}  // namespace uun::publish
