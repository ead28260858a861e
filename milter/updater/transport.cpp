// Transport helpers shared by the real and the fake transport (see header).
#include "milter/updater/transport.hpp"

#include "lib/util/json_input.hpp"
#include "milter/updater/log_text.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace uun::updater {

namespace {

constexpr std::size_t max_header_value = 256;
constexpr std::size_t max_error_body = 512;

}  // namespace

std::string_view trim_header_value(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

std::optional<std::uint64_t> parse_header_number(std::string_view s)
{
    if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return n;
}

std::string describe_error_answer(long status, std::string_view body)
{
    std::string message;
    body = body.substr(0, max_error_body);
    if (auto j = parse_json_input(body, max_error_body, 4); j && j->is_object()) {
        auto e = j->find("error");
        if (e != j->end() && e->is_string())
            message = e->get<std::string>();
    }
    if (message.empty())
        message = std::string(body.substr(0, 120));
    message = printable(message, 200);
    return message.empty() ? cat("the server answered HTTP ", status)
                           : cat("the server answered HTTP ", status, ": ", message);
}

result<void> buffer_sink::on_head(const response_head& head)
{
    head_ = head;
    if (head.content_length && *head.content_length > max_bytes_)
        return fail(cat("the server announced an answer of ", *head.content_length, " bytes, over the limit of ",
                        max_bytes_));
    return {};
}

result<void> buffer_sink::on_body(std::string_view bytes)
{
    if (bytes.size() > max_bytes_ - body_.size())
        return fail(cat("the server's answer exceeds the limit of ", max_bytes_, " bytes"));
    body_.append(bytes);
    return {};
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::int64_t now)
{
    value = trim_header_value(value);
    if (value.empty() || value.size() > max_header_value)
        return std::nullopt;
    if (auto n = parse_header_number(value))
        return std::chrono::seconds(static_cast<std::int64_t>(std::min<std::uint64_t>(*n, 1ull << 40)));
    std::string date(value);
    time_t when = curl_getdate(date.c_str(), nullptr);
    if (when == -1)
        return std::nullopt;
    return std::chrono::seconds(std::max<std::int64_t>(0, static_cast<std::int64_t>(when) - now));
}

std::optional<content_range> parse_content_range(std::string_view value)
{
    value = trim_header_value(value);
    if (!value.starts_with("bytes "))
        return std::nullopt;
    value.remove_prefix(6);
    auto dash = value.find('-');
    auto slash = value.find('/');
    if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash)
        return std::nullopt;
    auto first = parse_header_number(value.substr(0, dash));
    auto last = parse_header_number(value.substr(dash + 1, slash - dash - 1));
    auto total = parse_header_number(value.substr(slash + 1));
    if (!first || !last || !total || *first > *last || *last >= *total)
        return std::nullopt;
    return content_range{*first, *last, *total};
}

bool is_json_content_type(std::string_view value)
{
    value = trim_header_value(value);
    std::string lower;
    for (char c : value.substr(0, value.find(';')))
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return trim_header_value(lower) == "application/json";
}

}  // namespace uun::updater
