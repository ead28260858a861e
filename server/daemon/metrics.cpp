// Metrics counting and the Prometheus text format (see header).
#include "server/daemon/metrics.hpp"

#include "lib/util/result.hpp"

namespace uun::daemon {

namespace {

std::size_t status_index(unsigned status)
{
    for (std::size_t i = 0; i + 1 < counted_statuses.size(); ++i)
        if (counted_statuses[i] == status)
            return i;
    return counted_statuses.size() - 1;
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
{
    out += cat("# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

template <class T>
void sample(std::string& out, std::string_view name, std::string_view labels, T value)
{
    out += cat(name, labels, " ", value, "\n");
}

}  // namespace

std::string_view to_string(route r)
{
    switch (r) {
    case route::poll:
        return "poll";
    case route::payload:
        return "payload";
    case route::report:
        return "report";
    case route::metrics:
        return "metrics";
    case route::status:
        return "status";
    case route::healthz:
        return "healthz";
    case route::other:
        return "other";
    }
    return "other";
}

std::string_view to_string(refusal r)
{
    switch (r) {
    case refusal::per_address_connections:
        return "per_address_connections";
    case refusal::per_address_handshakes:
        return "per_address_handshakes";
    case refusal::new_registrations:
        return "new_registrations";
    case refusal::max_appliances:
        return "max_appliances";
    }
    return "other";
}

void metrics::count_request(route where, unsigned status)
{
    requests_[static_cast<std::size_t>(where)][status_index(status)].fetch_add(1, std::memory_order_relaxed);
}

void metrics::count_overload(overload_reason why)
{
    (why == overload_reason::connections ? overload_connections_ : overload_inflight_)
        .fetch_add(1, std::memory_order_relaxed);
}

void metrics::count_poll(proto::poll_reason reason)
{
    (reason == proto::poll_reason::urgent ? polls_urgent_ : polls_periodic_).fetch_add(1, std::memory_order_relaxed);
}

metrics_snapshot metrics::snapshot() const
{
    metrics_snapshot s;
    for (std::size_t r = 0; r < route_count; ++r)
        for (std::size_t i = 0; i < counted_statuses.size(); ++i)
            if (auto n = requests_[r][i].load(std::memory_order_relaxed); n != 0)
                s.requests.push_back({static_cast<route>(r), counted_statuses[i], n});
    s.overload_connections = overload_connections_.load(std::memory_order_relaxed);
    s.overload_inflight = overload_inflight_.load(std::memory_order_relaxed);
    s.tls_handshake_failures = handshake_failures_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < refusal_count; ++i)
        s.refusals[i] = refusals_[i].load(std::memory_order_relaxed);
    s.polls_periodic = polls_periodic_.load(std::memory_order_relaxed);
    s.polls_urgent = polls_urgent_.load(std::memory_order_relaxed);
    s.appliances_new = appliances_new_.load(std::memory_order_relaxed);
    s.appliances_moved = appliances_moved_.load(std::memory_order_relaxed);
    s.token_mismatches = token_mismatches_.load(std::memory_order_relaxed);
    s.timestamps_signed = timestamps_signed_.load(std::memory_order_relaxed);
    s.root_version = root_version_.load(std::memory_order_relaxed);
    s.open_connections = open_connections_.load(std::memory_order_relaxed);
    s.inflight_requests = inflight_requests_.load(std::memory_order_relaxed);
    return s;
}

std::string format_metrics(const metrics_snapshot& s)
{
    std::string out;
    out.reserve(2048);
    family(out, "uun_http_requests_total", "counter", "HTTP requests answered, by route and status.");
    for (const auto& r : s.requests)
        sample(out, "uun_http_requests_total",
               cat("{route=\"", to_string(r.where), "\",status=\"",
                   r.status == 0 ? std::string("other") : std::to_string(r.status), "\"}"),
               r.count);
    family(out, "uun_http_overload_total", "counter", "Requests answered 503 because of load, by limit.");
    sample(out, "uun_http_overload_total", "{limit=\"max_connections\"}", s.overload_connections);
    sample(out, "uun_http_overload_total", "{limit=\"max_inflight\"}", s.overload_inflight);
    family(out, "uun_fair_share_refusals_total", "counter",
           "Connections closed or polls refused by a per-address limit or the registry cap, by limit.");
    for (std::size_t i = 0; i < refusal_count; ++i)
        sample(out, "uun_fair_share_refusals_total", cat("{limit=\"", to_string(static_cast<refusal>(i)), "\"}"),
               s.refusals[i]);
    family(out, "uun_tls_handshake_failures_total", "counter", "TLS handshakes that failed or timed out.");
    sample(out, "uun_tls_handshake_failures_total", "", s.tls_handshake_failures);
    family(out, "uun_polls_total", "counter", "Valid polls, by reason.");
    sample(out, "uun_polls_total", "{reason=\"periodic\"}", s.polls_periodic);
    sample(out, "uun_polls_total", "{reason=\"urgent\"}", s.polls_urgent);
    family(out, "uun_registry_changes_total", "counter", "Appliances that registered or moved to a new address.");
    sample(out, "uun_registry_changes_total", "{change=\"new\"}", s.appliances_new);
    sample(out, "uun_registry_changes_total", "{change=\"moved\"}", s.appliances_moved);
    family(out, "uun_poll_token_mismatches_total", "counter", "Polls whose token did not match the registry row.");
    sample(out, "uun_poll_token_mismatches_total", "", s.token_mismatches);
    family(out, "uun_timestamp_statements_signed_total", "counter",
           "Timestamp statements signed (a cached one serves polls until the log moves).");
    sample(out, "uun_timestamp_statements_signed_total", "", s.timestamps_signed);
    family(out, "uun_trust_root_version", "gauge", "Newest root version served; 0: no trust section (v1).");
    sample(out, "uun_trust_root_version", "", s.root_version);
    family(out, "uun_open_connections", "gauge", "Client connections open now.");
    sample(out, "uun_open_connections", "", s.open_connections);
    family(out, "uun_inflight_requests", "gauge", "Requests being handled now.");
    sample(out, "uun_inflight_requests", "", s.inflight_requests);
    if (s.store_ok) {
        family(out, "uun_registry_appliances", "gauge", "Appliances in the registry.");
        sample(out, "uun_registry_appliances", "", s.registry_appliances);
        family(out, "uun_log_head_seq", "gauge", "Highest seq in the update log.");
        sample(out, "uun_log_head_seq", "", s.log_head_seq);
    }
    return out;
}

}  // namespace uun::daemon
