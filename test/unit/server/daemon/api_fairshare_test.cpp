// The api's half of the fair share and the admin surface (issue 14): which
// listener serves which path, 429 past an address's new registrations,
// 503 past registry.max_appliances; known appliances always poll.
#include "test/unit/server/daemon/api_world.hpp"

using namespace uun;
using namespace uun::daemon;
using namespace uun::daemon::api_world;

TEST_CASE("/metrics and the status page only on the admin listener; the appliance API only on the other")
{
    world w;
    struct row {
        const char* label;
        listener_role role;
        http::verb method;
        const char* target;
        http::status want;
    };
    const row rows[] = {
        {"metrics on the appliance listener", listener_role::appliance, http::verb::get, "/metrics",
         http::status::not_found},
        {"status page on the appliance listener", listener_role::appliance, http::verb::get, "/",
         http::status::not_found},
        {"status page with a query", listener_role::appliance, http::verb::head, "/?x=1", http::status::not_found},
        {"metrics on the admin listener", listener_role::admin, http::verb::get, "/metrics", http::status::ok},
        {"status page on the admin listener", listener_role::admin, http::verb::get, "/", http::status::ok},
        {"healthz on both: appliance", listener_role::appliance, http::verb::get, "/healthz", http::status::ok},
        {"healthz on both: admin", listener_role::admin, http::verb::get, "/healthz", http::status::ok},
        {"poll on the admin listener", listener_role::admin, http::verb::post, "/v1/poll", http::status::not_found},
        {"report on the admin listener", listener_role::admin, http::verb::post, "/v1/report", http::status::not_found},
    };
    for (const auto& r : rows) {
        auto got = w.request(r.method, r.target, "", "127.0.0.1", {}, r.role);
        INFO(r.label, ": ", got.result_int());
        CHECK(got.result() == r.want);
    }
    auto text = format_metrics(w.counters.snapshot());
    CHECK(text.find("uun_http_requests_total{route=\"metrics\",status=\"404\"} 1\n") != std::string::npos);
}

TEST_CASE("new registrations past an address's share get 429 with Retry-After; known ids and other addresses poll")
{
    address_table table({.max_connections = 32, .max_handshakes = 8, .new_registrations = 3, .max_tracked = 100});
    world w({}, nullptr, [&](api_settings& s) { s.per_address = &table; });
    std::string known_token = new_token();
    CHECK(w.request(http::verb::post, "/v1/poll", poll_body("gw-known", known_token).dump(), "192.0.2.5").result()
          == http::status::ok);
    int ok = 0, limited = 0;
    std::string retry_after;
    for (int i = 0; i < 10; ++i) {
        auto got = w.request(http::verb::post, "/v1/poll", poll_body(cat("gw-", i), new_token()).dump(), "192.0.2.5");
        ok += got.result() == http::status::ok;
        if (got.result() == http::status::too_many_requests) {
            ++limited;
            retry_after = std::string(got[http::field::retry_after]);
            CHECK(body_json(got).contains("error"));
        }
    }
    CHECK(ok == 2);
    CHECK(limited == 8);
    CHECK(retry_after == "1200");  // 3 an hour
    CHECK(w.request(http::verb::post, "/v1/poll", poll_body("gw-known", known_token).dump(), "192.0.2.5").result()
          == http::status::ok);
    CHECK(w.request(http::verb::post, "/v1/poll", poll_body("gw-other", new_token()).dump(), "192.0.2.6").result()
          == http::status::ok);
    CHECK_FALSE(w.db->find_appliance("gw-9").value());
    CHECK(w.counters.snapshot().refusals[static_cast<std::size_t>(refusal::new_registrations)] == 8);
}

TEST_CASE("registry.max_appliances: a new id past it gets 503; the registered ones still poll")
{
    world w({}, nullptr, [](api_settings& s) { s.max_appliances = 2; });
    std::vector<std::string> tokens{new_token(), new_token()};
    for (int i = 0; i < 2; ++i)
        CHECK(w.request(http::verb::post, "/v1/poll", poll_body(cat("gw-", i), tokens[i]).dump()).result()
              == http::status::ok);
    auto full = w.request(http::verb::post, "/v1/poll", poll_body("gw-2", new_token()).dump());
    CHECK(full.result() == http::status::service_unavailable);
    CHECK(body_json(full)["error"].get<std::string>().find("registry is full") != std::string::npos);
    CHECK_FALSE(w.db->find_appliance("gw-2").value());
    for (int i = 0; i < 2; ++i)
        CHECK(w.request(http::verb::post, "/v1/poll", poll_body(cat("gw-", i), tokens[i]).dump()).result()
              == http::status::ok);
    // Room again (a row forgotten) shows once the count is taken anew.
    REQUIRE(w.db->forget_appliance("gw-0").value());
    w.time.advance(11);
    CHECK(w.request(http::verb::post, "/v1/poll", poll_body("gw-2", new_token()).dump()).result() == http::status::ok);
    CHECK(w.counters.snapshot().refusals[static_cast<std::size_t>(refusal::max_appliances)] == 1);
}
