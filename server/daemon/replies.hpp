// The answers uun-server builds: JSON (errors always {"error": "..."}), text
// and HTML, with the headers each kind carries. Callers: the API handlers
// and the session (for 413, 431, 400 and 503 it makes itself). Never fails.
#pragma once

#include "server/daemon/reply_body.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

namespace uun::daemon {

namespace http = boost::beast::http;

using http_request = http::request<http::string_body>;
using http_reply = http::response<reply_body>;

http_reply json_reply(http::status status, std::string body);
http_reply error_reply(http::status status, std::string_view message);
http_reply text_reply(http::status status, std::string_view content_type, std::string body);

// 503 with Retry-After: the server is over one of its load limits.
http_reply overload_reply(long retry_after_seconds);

// 405 naming the methods the path accepts.
http_reply method_not_allowed(std::string_view allow);

}  // namespace uun::daemon
