// The messages of POST /v1/poll and POST /v1/report (doc/protocol.md "The
// HTTP API"): field names, limits, the request and answer shapes, the JSON
// uun-updater sends and the strict parsers each side applies to what it
// receives. uun-updater maps its config and state onto poll_request and
// report_request and parses the poll answer; uun-server parses both requests
// and builds its answer with the same field names. A bad body is an error
// that names the field; nothing here throws.
#pragma once

#include "lib/util/result.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uun::proto {

// The two requests an appliance signs (lib/proto/appliance_key.hpp signs the path too).
inline constexpr std::string_view poll_path = "/v1/poll";
inline constexpr std::string_view report_path = "/v1/report";

// The keys on the wire. notify_* are the members of the "notify" object.
namespace field {
inline constexpr std::string_view id = "id";
inline constexpr std::string_view token = "token";
inline constexpr std::string_view product = "product";
inline constexpr std::string_view version = "version";
inline constexpr std::string_view channels = "channels";
inline constexpr std::string_view notify = "notify";
inline constexpr std::string_view notify_recipient = "recipient";
inline constexpr std::string_view notify_port = "port";
inline constexpr std::string_view last_seq = "last_seq";
inline constexpr std::string_view reason = "reason";
inline constexpr std::string_view seq = "seq";
inline constexpr std::string_view status = "status";
inline constexpr std::string_view detail = "detail";
inline constexpr std::string_view entries = "entries";
inline constexpr std::string_view more = "more";
inline constexpr std::string_view head_seq = "head_seq";
inline constexpr std::string_view poll_interval = "poll_interval";
inline constexpr std::string_view registered = "registered";
inline constexpr std::string_view server_time = "server_time";
// The trust model's fields (doc/trust.md); absent in a v1 updater's poll.
inline constexpr std::string_view root_version = "root_version";
inline constexpr std::string_view positions = "positions";
inline constexpr std::string_view wanted = "wanted";
inline constexpr std::string_view roots = "roots";
inline constexpr std::string_view timestamp = "timestamp";
}  // namespace field

inline constexpr std::size_t max_poll_channels = 16;
// Seqs of verified UUNs still waiting for their entry, sent so the server
// serves each even on a channel the appliance does not follow.
inline constexpr std::size_t max_wanted_seqs = 16;
inline constexpr std::size_t max_answer_roots = 32;
inline constexpr std::size_t max_report_detail_bytes = 512;
// The store keeps seq in SQLite's signed 64-bit integer.
inline constexpr std::uint64_t max_seq = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
// What the updater takes from one answer; the server sends at most its
// poll.max_entries (64 by default).
inline constexpr std::size_t max_answer_entries = 256;
// A longer poll_interval in an answer is cut to this.
inline constexpr std::uint64_t max_answer_interval = 365ull * 86400;

enum class poll_reason { periodic, urgent };
enum class report_status { installed, failed };

std::string_view to_string(poll_reason reason);
std::string_view to_string(report_status status);
// Exactly the wire words (periodic, urgent; installed, failed); case matters.
std::optional<poll_reason> parse_poll_reason(std::string_view text);
std::optional<report_status> parse_report_status(std::string_view text);

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
    // Set by an updater that follows a root (doc/trust.md); 0 / empty from a
    // v1 updater, which the server answers as before.
    std::uint64_t root_version = 0;
    std::map<std::string, std::uint64_t> positions;  // channel -> channel_seq finished
    std::vector<std::uint64_t> wanted;
};

struct report_request {
    std::string id;
    std::string token;
    std::uint64_t seq = 0;
    report_status status = report_status::installed;
    std::string detail;  // at most max_report_detail_bytes, tabs and line breaks the only controls
};

struct poll_answer {
    std::vector<nlohmann::json> entries;  // DSSE envelopes, not yet verified
    bool more = false;
    std::optional<std::uint64_t> head_seq;  // unsigned: for the log only
    std::optional<std::chrono::seconds> poll_interval;
    std::optional<bool> registered;
    std::vector<nlohmann::json> roots;        // root envelopes after the poll's root_version, ascending
    std::optional<nlohmann::json> timestamp;  // the timestamp statement's envelope, not yet verified
};

// The bodies as the updater sends them; the caller's values already obey
// the rules (the updater checked its config at load, and cuts detail).
std::string poll_request_body(const poll_request& request);
std::string report_body(const report_request& request);

// The server's side. Fields the API does not name are ignored, so a newer
// updater can add some.
result<poll_request> parse_poll_request(std::string_view body, std::size_t max_body);
result<report_request> parse_report_request(std::string_view body, std::size_t max_body);

// The updater's side: a wrong type or a missing field makes the whole
// answer garbage; server_time and unknown fields are ignored.
result<poll_answer> parse_poll_answer(std::string_view body, std::size_t max_bytes);

}  // namespace uun::proto
