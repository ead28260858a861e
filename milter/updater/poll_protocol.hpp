// The JSON of POST /v1/poll and POST /v1/report (doc/protocol.md), built from
// config and state, and the poll answer parsed strictly: a wrong type or a
// missing field makes the whole answer garbage. Called by the poll cycle.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lib/util/result.hpp"
#include "milter/updater/countdown.hpp"
#include "milter/updater/updater_config.hpp"

namespace uun::updater {

inline constexpr std::size_t max_answer_entries = 256;  // the server sends at most 64

std::string poll_request_body(const updater_config& config, const std::string& token, std::uint64_t last_seq,
                              poll_reason reason);

enum class report_status { installed, failed };

std::string report_body(const updater_config& config, const std::string& token, std::uint64_t seq,
                        report_status status, std::string_view detail);

struct poll_answer {
    std::vector<nlohmann::json> entries;  // DSSE envelopes, not yet verified
    bool more = false;
    std::optional<std::uint64_t> head_seq;  // unsigned: for the log only
    std::optional<std::chrono::seconds> poll_interval;
    std::optional<bool> registered;
};

result<poll_answer> parse_poll_answer(std::string_view body, std::size_t max_bytes);

}  // namespace uun::updater
