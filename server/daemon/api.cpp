// Routing, method checks and the failure net around every handler (see
// api.hpp). The handlers themselves live in poll_handler.cpp,
// report_handler.cpp, payload_handler.cpp and status_pages.cpp.
#include "server/daemon/api.hpp"

#include "lib/util/log.hpp"

#include <exception>

namespace uun::daemon {

namespace {

constexpr std::string_view payload_prefix = "/v1/payloads/";

std::string_view path_of(std::string_view target)
{
    auto q = target.find('?');
    return q == std::string_view::npos ? target : target.substr(0, q);
}

bool is_get_or_head(http::verb v)
{
    return v == http::verb::get || v == http::verb::head;
}

// /metrics and the status page tell which versions an entry targets: the
// operator's listener only. The appliance API is not served there either.
bool served_on(route where, listener_role role)
{
    switch (where) {
    case route::metrics:
    case route::status:
        return role == listener_role::admin;
    case route::healthz:
    case route::other:
        return true;
    case route::poll:
    case route::report:
    case route::payload:
        break;
    }
    return role == listener_role::appliance;
}

}  // namespace

route route_of(std::string_view target)
{
    auto path = path_of(target);
    if (path == proto::poll_path)
        return route::poll;
    if (path == proto::report_path)
        return route::report;
    if (path.starts_with(payload_prefix))
        return route::payload;
    if (path == "/metrics")
        return route::metrics;
    if (path == "/")
        return route::status;
    if (path == "/healthz")
        return route::healthz;
    return route::other;
}

api::api(store::store& entries_and_registry, store::payload_dir payloads, api_settings settings, metrics& counters,
         const clock& time)
    : store_(entries_and_registry), payloads_(std::move(payloads)), settings_(std::move(settings)),
      metrics_(counters), clock_(time)
{
    if (settings_.trust)
        metrics_.set_root_version(settings_.trust->roots.newest.version);
}

std::shared_ptr<trust_service> api::trust() const
{
    std::lock_guard lock(trust_mutex_);
    return settings_.trust;
}

void api::set_trust(std::shared_ptr<trust_service> fresh)
{
    std::lock_guard lock(trust_mutex_);
    metrics_.set_root_version(fresh ? fresh->roots.newest.version : 0);
    settings_.trust = std::move(fresh);
}

http_reply api::handle(const http_request& request, const boost::asio::ip::address& peer,
                       listener_role role) noexcept
{
    route where = route_of(request.target());
    http_reply reply;
    try {
        if (!served_on(where, role))
            reply = error_reply(http::status::not_found, "no such path");
        else
            reply = dispatch(where, request, peer);
    } catch (const std::exception& e) {
        log::error(cat("internal error answering ", request.method_string(), " ", path_of(request.target()), ": ",
                       e.what()));
        reply = error_reply(http::status::internal_server_error, "internal server error");
    } catch (...) {
        log::error(cat("internal error answering ", request.method_string(), " ", path_of(request.target())));
        reply = error_reply(http::status::internal_server_error, "internal server error");
    }
    metrics_.count_request(where, reply.result_int());
    return reply;
}

http_reply api::dispatch(route where, const http_request& request, const boost::asio::ip::address& peer)
{
    http::verb method = request.method();
    switch (where) {
    case route::poll:
        if (method != http::verb::post)
            return method_not_allowed("POST");
        return poll(request, peer);
    case route::report:
        if (method != http::verb::post)
            return method_not_allowed("POST");
        return report(request);
    case route::payload:
        if (!is_get_or_head(method))
            return method_not_allowed("GET, HEAD");
        return payload(request, path_of(request.target()).substr(payload_prefix.size()));
    case route::metrics:
        if (!is_get_or_head(method))
            return method_not_allowed("GET, HEAD");
        return metrics_page();
    case route::status:
        if (!is_get_or_head(method))
            return method_not_allowed("GET, HEAD");
        return status_page();
    case route::healthz:
        if (!is_get_or_head(method))
            return method_not_allowed("GET, HEAD");
        return text_reply(http::status::ok, "text/plain; charset=utf-8", "ok\n");
    case route::other:
        break;
    }
    return error_reply(http::status::not_found, "no such path");
}

http_reply api::store_failure(std::string_view what, const error& e)
{
    log::error(cat(what, ": ", e.message));
    return error_reply(http::status::internal_server_error, "the update store is unavailable; try again later");
}

}  // namespace uun::daemon
