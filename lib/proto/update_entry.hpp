// An update entry (doc/protocol.md "Update entries"): its JSON form, strict
// parsing, and the target selectors that decide which appliances it affects.
// Callers: uun-publish (build), uun-server (select), uun-updater (check).
#pragma once

#include "lib/util/result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace uun::proto {

// "product=mg-5000", "version>=3.2", "id!=gw-17": every selector must match.
struct target_selector {
    enum class op { eq, ne, ge, gt, le, lt };
    std::string field;  // product | version | id
    op oper = op::eq;
    std::string value;

    friend bool operator==(const target_selector&, const target_selector&) = default;
};

struct update_entry {
    std::uint64_t seq = 0;
    std::string id;
    std::string channel;
    // The entry's place on its channel (1, 2, 3, ... without gaps), signed by
    // the publisher so an appliance can tell a withheld entry from none.
    // 0 only in entries of the v1 trust model, which had no channel order.
    std::uint64_t channel_seq = 0;
    std::string name;    // informational file name; never used as a path
    std::string sha256;  // of the payload, lowercase hex
    std::uint64_t size = 0;
    bool urgent = false;
    std::int64_t published = 0;  // unix seconds
    std::vector<target_selector> target;

    friend bool operator==(const update_entry&, const update_entry&) = default;
};

struct appliance_facts {
    std::string id;
    std::string product;
    std::string version;
};

std::string to_string(const target_selector& selector);
result<target_selector> parse_target_selector(std::string_view text);
// A comma-separated list, as given on the uun-publish command line.
result<std::vector<target_selector>> parse_target_list(std::string_view text);

bool target_matches(const std::vector<target_selector>& target, const appliance_facts& appliance);

// Dotted versions compared piece by piece, numbers as numbers: 3.10 > 3.9.
int compare_versions(std::string_view a, std::string_view b);

bool is_plain_file_name(std::string_view name);

nlohmann::json to_json(const update_entry& entry);
std::string entry_payload(const update_entry& entry);  // the bytes that get signed
result<update_entry> update_entry_from_json(std::string_view text);

}  // namespace uun::proto
