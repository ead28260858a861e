// What --status, --list, --appliances and --pending print with --json: one
// JSON document each, for scripts, with the same facts as the tables
// (tables.hpp). Times are ISO 8601 UTC strings, null for never; the shapes
// are documented in uun-publish(8), "JSON OUTPUT", and only ever grow.
// Callers: the report commands and their tests.
#pragma once

#include "server/publish/tables.hpp"
#include "server/store/store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace uun::publish {

// entry is nullopt when the log is empty (--status without SEQ on a fresh store).
std::string status_json(const std::optional<store::stored_entry>& entry,
                        const std::vector<store::appliance_progress>& progress,
                        const std::vector<store::notification_record>& notifications);
std::string list_json(const std::vector<listed_entry>& entries);
std::string appliances_json(const std::vector<store::appliance_record>& appliances, std::int64_t live_since);
std::string admission_json(const std::vector<store::admission_request>& requests);

}  // namespace uun::publish
