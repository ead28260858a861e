// JSON from a peer: parsed only after its size and nesting depth are checked,
// so a hostile body cannot exhaust memory or the stack. Callers: uun-server
// (request bodies), uun-updater (server answers), entry parsing.
#pragma once

#include "lib/util/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace uun {

inline constexpr int default_max_json_depth = 16;

result<nlohmann::json> parse_json_input(std::string_view text, std::size_t max_bytes,
                                        int max_depth = default_max_json_depth);

}  // namespace uun
