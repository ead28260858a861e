// The JSON bodies of POST /v1/poll and POST /v1/report (doc/protocol.md),
// parsed within size and depth limits and checked field by field. Callers:
// the poll and report handlers. A bad body is an error naming the field (400).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/util/result.hpp"

namespace uun::server {

inline constexpr std::size_t max_appliance_id_bytes = 64;
inline constexpr std::size_t max_product_bytes = 64;  // also for version
inline constexpr std::size_t max_poll_channels = 16;
inline constexpr std::size_t max_recipient_bytes = 254;
inline constexpr std::size_t max_report_detail_bytes = 512;
inline constexpr std::size_t token_bytes = 32;  // decoded; 43 base64url characters

enum class poll_reason { periodic, urgent };
enum class report_status { installed, failed };

std::string_view to_string(poll_reason reason);
std::string_view to_string(report_status status);

struct poll_request {
    std::string id;
    std::string token;
    std::string product;
    std::string version;
    std::vector<std::string> channels;
    std::string notify_recipient;
    int notify_port = 25;
    std::uint64_t last_seq = 0;
    poll_reason reason = poll_reason::periodic;
};

struct report_request {
    std::string id;
    std::string token;
    std::uint64_t seq = 0;
    report_status status = report_status::installed;
    std::string detail;
};

// Fields the API does not name are ignored, so a newer updater can add some.
result<poll_request> parse_poll_request(std::string_view body, std::size_t max_body);
result<report_request> parse_report_request(std::string_view body, std::size_t max_body);

bool is_valid_appliance_id(std::string_view id);
bool is_valid_token(std::string_view token);
bool is_valid_product_text(std::string_view text);  // product and version
// local@domain or local@[ip] (local@[IPv6:addr]), as the appliance's MTA accepts it.
bool is_valid_notify_recipient(std::string_view recipient);

}  // namespace uun::server
