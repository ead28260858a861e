// The timestamp statement (doc/protocol.md "Timestamp statements"): signed by
// the timestamp role on uun-server, it says how far each channel has gone and
// until when that is news. An appliance that holds every entry up to a
// channel's head knows it missed nothing; one that cannot get them, or whose
// newest statement has expired, reports a withholding or a freeze.
#pragma once

#include "lib/proto/ed25519.hpp"
#include "lib/proto/root_metadata.hpp"
#include "lib/util/result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace uun::proto {

inline constexpr std::string_view timestamp_payload_type = "application/vnd.uun.timestamp+json";
// A statement that claims to be news for longer is refused: the bound on how
// long a frozen server can go unnoticed.
inline constexpr std::int64_t max_timestamp_lifetime_seconds = 7 * 86400;
inline constexpr std::size_t max_statement_channels = 1024;

struct timestamp_statement {
    std::int64_t issued = 0;   // unix seconds
    std::int64_t expires = 0;  // issued < expires <= issued + max lifetime
    std::uint64_t log_head = 0;  // the highest seq in the log
    std::map<std::string, std::uint64_t> heads;  // channel -> channel_seq of its newest entry

    // A channel the statement does not list has no entries yet.
    std::uint64_t head_of(const std::string& channel) const;

    friend bool operator==(const timestamp_statement&, const timestamp_statement&) = default;
};

std::string timestamp_payload(const timestamp_statement& statement);
result<timestamp_statement> parse_timestamp_payload(std::string_view text);
nlohmann::json sign_timestamp(const timestamp_statement& statement, const private_key& key);

enum class timestamp_verdict { fresh, expired, not_yet_valid };
struct checked_timestamp {
    timestamp_statement statement;
    timestamp_verdict verdict = timestamp_verdict::fresh;
};
// Signed by a threshold of the root's timestamp keys, then judged against the
// appliance's clock (`skew` tolerated on `issued`).
result<checked_timestamp> verify_timestamp(const root_metadata& root, const nlohmann::json& envelope,
                                           std::int64_t now, std::int64_t skew);

}  // namespace uun::proto
