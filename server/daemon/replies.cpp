// Reply builders (see header). The error text goes through nlohmann-json so
// whatever a message quotes from a client comes out as valid, escaped JSON.
#include "server/daemon/replies.hpp"

#include <nlohmann/json.hpp>

namespace uun::daemon {

http_reply text_reply(http::status status, std::string_view content_type, std::string body)
{
    http_reply r{status, 11};
    r.set(http::field::content_type, content_type);
    r.body().text = std::move(body);
    return r;
}

http_reply json_reply(http::status status, std::string body)
{
    auto r = text_reply(status, "application/json", std::move(body));
    r.set(http::field::cache_control, "no-store");
    return r;
}

http_reply error_reply(http::status status, std::string_view message)
{
    nlohmann::json j{{"error", message}};
    // A message quoting hostile bytes must not make dump() throw.
    return json_reply(status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http_reply overload_reply(long retry_after_seconds)
{
    auto r = error_reply(http::status::service_unavailable, "the server is busy; try again later");
    r.set(http::field::retry_after, std::to_string(retry_after_seconds));
    r.keep_alive(false);
    return r;
}

http_reply method_not_allowed(std::string_view allow)
{
    auto r = error_reply(http::status::method_not_allowed, "method not allowed for this path");
    r.set(http::field::allow, allow);
    return r;
}

}  // namespace uun::daemon
