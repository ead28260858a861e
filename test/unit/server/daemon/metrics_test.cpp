// /metrics text: counters by route and status, the 503s, TLS failures,
// polls by reason, gauges; the format Prometheus 0.0.4 reads.
#include "server/daemon/metrics.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace uun::daemon;
using uun::proto::poll_reason;

namespace {

bool has_line(const std::string& text, const std::string& line)
{
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l == line)
            return true;
    return false;
}

}  // namespace

TEST_CASE("counted events show up as Prometheus samples")
{
    metrics m;
    m.count_request(route::poll, 200);
    m.count_request(route::poll, 200);
    m.count_request(route::poll, 400);
    m.count_request(route::payload, 206);
    m.count_request(route::other, 404);
    m.count_request(route::report, 418);  // not a status we name: "other"
    m.count_overload(overload_reason::connections);
    m.count_overload(overload_reason::inflight);
    m.count_overload(overload_reason::inflight);
    m.count_handshake_failure();
    m.count_poll(poll_reason::periodic);
    m.count_poll(poll_reason::urgent);
    m.count_poll(poll_reason::urgent);
    m.count_new_appliance();
    m.count_token_mismatch();
    m.open_connections() = 7;
    auto s = m.snapshot();
    s.registry_appliances = 100000;
    s.log_head_seq = 57;
    auto text = format_metrics(s);

    const char* want[] = {
        "# TYPE uun_http_requests_total counter",
        "uun_http_requests_total{route=\"poll\",status=\"200\"} 2",
        "uun_http_requests_total{route=\"poll\",status=\"400\"} 1",
        "uun_http_requests_total{route=\"payload\",status=\"206\"} 1",
        "uun_http_requests_total{route=\"other\",status=\"404\"} 1",
        "uun_http_requests_total{route=\"report\",status=\"other\"} 1",
        "uun_http_overload_total{limit=\"max_connections\"} 1",
        "uun_http_overload_total{limit=\"max_inflight\"} 2",
        "uun_tls_handshake_failures_total 1",
        "uun_polls_total{reason=\"periodic\"} 1",
        "uun_polls_total{reason=\"urgent\"} 2",
        "uun_registry_changes_total{change=\"new\"} 1",
        "uun_registry_changes_total{change=\"moved\"} 0",
        "uun_poll_token_mismatches_total 1",
        "# TYPE uun_open_connections gauge",
        "uun_open_connections 7",
        "uun_inflight_requests 0",
        "uun_registry_appliances 100000",
        "uun_log_head_seq 57",
    };
    for (const char* line : want) {
        INFO("want the line ", std::string(line), " in:\n", text);
        CHECK(has_line(text, line));
    }
    CHECK_FALSE(has_line(text, "uun_http_requests_total{route=\"status\",status=\"200\"} 0"));
    CHECK(text.back() == '\n');
}

TEST_CASE("without the store the store's gauges are left out rather than shown as 0")
{
    metrics m;
    auto s = m.snapshot();
    s.store_ok = false;
    auto text = format_metrics(s);
    CHECK(text.find("uun_registry_appliances") == std::string::npos);
    CHECK(text.find("uun_log_head_seq") == std::string::npos);
    CHECK(has_line(text, "uun_open_connections 0"));
}

TEST_CASE("every sample line is 'name{labels} value' and every family has HELP and TYPE")
{
    metrics m;
    m.count_request(route::status, 200);
    auto text = format_metrics(m.snapshot());
    std::istringstream in(text);
    std::string family;
    for (std::string line; std::getline(in, line);) {
        INFO("line: ", line);
        if (line.starts_with("# HELP ")) {
            family = line.substr(7, line.find(' ', 7) - 7);
            continue;
        }
        if (line.starts_with("# TYPE ")) {
            CHECK(line.substr(7, family.size()) == family);
            continue;
        }
        CHECK(line.starts_with(family));
        auto space = line.rfind(' ');
        REQUIRE(space != std::string::npos);
        auto value = line.substr(space + 1);
        CHECK(value.find_first_not_of("0123456789") == std::string::npos);
    }
}
