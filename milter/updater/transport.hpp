// How the updater talks HTTP to uun-server: one request, a response head and
// a body streamed to a sink that may refuse it (size limits, wrong range).
// curl_transport implements it over libcurl; unit tests fake it. Transport
// problems and refusals come back as results; nothing here throws.
#pragma once

#include "lib/util/result.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uun::updater {

struct http_request {
    enum class verb { get, post };
    enum class purpose { api, download };  // chooses the total timeout

    verb method = verb::get;
    purpose kind = purpose::api;
    std::string path;              // below the server URL, such as "/v1/poll"
    std::string body;              // POST: JSON
    std::uint64_t range_from = 0;  // GET: "Range: bytes=N-" when more than 0
    // More request header fields (the appliance's signature); values are
    // checked for line ends by the transport.
    std::vector<std::pair<std::string, std::string>> headers = {};
};

struct response_head {
    long status = 0;
    std::string content_type;
    std::string content_range;
    std::string retry_after;
    std::optional<std::uint64_t> content_length;
};

class response_sink {
public:
    virtual ~response_sink() = default;
    // Called once, when the final response's headers are complete.
    virtual result<void> on_head(const response_head& head) = 0;
    // A failure aborts the transfer; perform() then returns that failure.
    virtual result<void> on_body(std::string_view bytes) = 0;
};

class http_transport {
public:
    virtual ~http_transport() = default;
    virtual result<void> perform(const http_request& request, response_sink& sink) = 0;
};

// A whole (small) answer in memory, refused past max_bytes: the JSON answers.
class buffer_sink final : public response_sink {
public:
    explicit buffer_sink(std::size_t max_bytes) : max_bytes_(max_bytes) {}
    result<void> on_head(const response_head& head) override;
    result<void> on_body(std::string_view bytes) override;

    const response_head& head() const { return head_; }
    const std::string& body() const { return body_; }

private:
    std::size_t max_bytes_;
    response_head head_;
    std::string body_;
};

// Retry-After: delta-seconds or an HTTP-date, as seconds from now (never negative).
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::int64_t now);

struct content_range {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::uint64_t total = 0;
};
// "bytes 100-199/200"; a "*" total or anything odd is refused.
std::optional<content_range> parse_content_range(std::string_view value);

bool is_json_content_type(std::string_view value);

// A header value without surrounding white space and line end.
std::string_view trim_header_value(std::string_view value);
// A plain decimal header value (Content-Length, delta-seconds).
std::optional<std::uint64_t> parse_header_number(std::string_view value);

// A server's error answer ({"error": "..."} or anything) as one printable line.
std::string describe_error_answer(long status, std::string_view body);

}  // namespace uun::updater
