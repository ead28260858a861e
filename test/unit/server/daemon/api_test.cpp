// The HTTP API without sockets (api_world.hpp), the poll side: registering
// an appliance, its token and peer address, which entries an answer splices,
// marking notified entries fetched, forwarded clients and the registry
// sweep. Payloads, reports, errors and status pages: api_payload_test.cpp.
#include "lib/proto/dsse.hpp"
#include "lib/util/digest.hpp"
#include "server/daemon/registry_sweep.hpp"
#include "test/unit/server/daemon/api_world.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace uun;
using namespace uun::daemon;
using namespace uun::daemon::api_world;
using json = nlohmann::json;

TEST_CASE("a first poll registers the appliance with its peer address and notify data")
{
    world w;
    auto token = new_token();
    auto r = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token).dump(), "::ffff:127.0.1.20");
    REQUIRE(r.result() == http::status::ok);
    CHECK(r[http::field::content_type] == "application/json");
    auto j = body_json(r);
    CHECK(j["registered"] == true);
    CHECK(j["entries"].empty());
    CHECK(j["more"] == false);
    CHECK(j["head_seq"] == 0);
    CHECK(j["poll_interval"] == 86400);
    CHECK(j["server_time"] == start_time);

    auto row = w.db->find_appliance("gw-1");
    REQUIRE(row);
    REQUIRE(*row);
    CHECK((*row)->address == "127.0.1.20");
    CHECK((*row)->notify_recipient == "uun@gw-1.example.net");
    CHECK((*row)->notify_port == 2525);
    CHECK((*row)->product == "mg-5000");
    CHECK((*row)->channels == std::vector<std::string>{"av", "sys"});
    CHECK((*row)->last_seen == start_time);
    CHECK((*row)->last_reason == "periodic");
    CHECK(*w.db->token_matches("gw-1", sha256_hex(token)));
    CHECK(w.counters.snapshot().appliances_new == 1);
}

TEST_CASE("a poll with another token is answered but leaves the row alone")
{
    world w;
    w.publish("av", "payload-1");
    auto token = new_token();
    REQUIRE(w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token).dump(), "127.0.1.20").result() ==
            http::status::ok);
    w.time.advance(60);
    auto r = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", new_token()).dump(), "127.0.1.66");
    REQUIRE(r.result() == http::status::ok);
    auto j = body_json(r);
    CHECK(j["registered"] == false);
    CHECK(j["entries"].size() == 1);
    auto row = *w.db->find_appliance("gw-1");
    REQUIRE(row);
    CHECK(row->address == "127.0.1.20");
    CHECK(row->last_seen == start_time);
    CHECK(w.counters.snapshot().token_mismatches == 1);

    // The right token moves it.
    auto moved = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token).dump(), "127.0.1.21");
    CHECK(body_json(moved)["registered"] == true);
    CHECK((*w.db->find_appliance("gw-1"))->address == "127.0.1.21");
    CHECK(w.counters.snapshot().appliances_moved == 1);
}

TEST_CASE("the answer splices the stored envelopes, in seq order, for the appliance only")
{
    world w;
    auto e1 = w.publish("av", "one");
    w.publish("sys", "two", "product=other");   // wrong product
    auto e3 = w.publish("sys", "three", "version>=3.2");
    w.publish("web", "four");                   // channel not subscribed
    auto e5 = w.publish("av", "five");
    auto token = new_token();

    auto r = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token).dump());
    REQUIRE(r.result() == http::status::ok);
    // Byte for byte what the publisher signed, two at a time (max_entries 2).
    CHECK(r.body().text.starts_with("{\"entries\":[" + e1.envelope + "," + e3.envelope + "],\"more\":true,"));
    auto j = body_json(r);
    CHECK(j["head_seq"] == 5);

    auto keys = proto::keyring{};
    keys.add(w.key.public_part());
    for (const auto& envelope : j["entries"])
        CHECK(proto::dsse_verify(envelope, proto::update_payload_type, keys));

    auto rest = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token, 3).dump());
    CHECK(rest.body().text.starts_with("{\"entries\":[" + e5.envelope + "],\"more\":false,"));
    auto none = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token, 5).dump());
    CHECK(body_json(none)["entries"].empty());
}

TEST_CASE("a poll that carries notified entries marks them fetched")
{
    world w;
    auto e1 = w.publish("av", "one", "", true);
    auto e2 = w.publish("av", "two", "", true);
    auto token = new_token();
    REQUIRE(w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token, 2).dump()).result() == http::status::ok);
    for (auto seq : {e1.entry.seq, e2.entry.seq}) {
        store::notification_record n;
        n.appliance_id = "gw-1";
        n.seq = seq;
        n.notified_at = start_time;
        n.expires = start_time + 3600;
        n.address = "127.0.1.9";
        n.port = 2525;
        n.envelope_sender = "uun+gw-1@uun.example";
        n.recipient = "uun@gw-1.example.net";
        n.result = "queued";
        REQUIRE(w.db->record_notification(n));
    }
    w.time.advance(30);
    // Another token polls: it is not the appliance, nothing is marked.
    w.request(http::verb::post, "/v1/poll", poll_body("gw-1", new_token(), 0).dump());
    CHECK((*w.db->notifications(e1.entry.seq))[0].fetched_at == 0);

    w.time.advance(30);
    auto r = w.request(http::verb::post, "/v1/poll", poll_body("gw-1", token, 1).dump());
    CHECK(body_json(r)["entries"].size() == 1);
    CHECK((*w.db->notifications(e1.entry.seq))[0].fetched_at == 0);
    CHECK((*w.db->notifications(e2.entry.seq))[0].fetched_at == start_time + 60);
}

TEST_CASE("behind a trusted proxy the forwarded client is recorded")
{
    world w({"127.0.1.250"});
    auto body = poll_body("gw-1", new_token()).dump();
    auto r = w.request(http::verb::post, "/v1/poll", body, "127.0.1.250", {{"X-Forwarded-For", "203.0.113.9"}});
    REQUIRE(r.result() == http::status::ok);
    CHECK((*w.db->find_appliance("gw-1"))->address == "203.0.113.9");
    auto bad = w.request(http::verb::post, "/v1/poll", body, "127.0.1.250", {{"X-Forwarded-For", "nonsense"}});
    CHECK(bad.result() == http::status::bad_request);
    CHECK(body_json(bad)["error"].get<std::string>().find("X-Forwarded-For") != std::string::npos);
}

TEST_CASE("the sweep removes rows not seen for expire_after and keeps the rest")
{
    world w;
    w.request(http::verb::post, "/v1/poll", poll_body("old", new_token()).dump());
    w.time.advance(7 * 86400);
    w.request(http::verb::post, "/v1/poll", poll_body("fresh", new_token()).dump());
    w.time.advance(60);
    sweep_limits limits{std::chrono::hours(24 * 7), 25, false};
    auto outcome = sweep_expired(*w.db, limits, w.time.now());
    REQUIRE(outcome);
    CHECK(outcome->removed == 1);  // one row of two: within the ten always allowed
    CHECK_FALSE(*w.db->find_appliance("old"));
    CHECK(*w.db->find_appliance("fresh"));
    CHECK(describe(*outcome, limits).starts_with("registry sweep: removed 1 appliance not seen for 7d"));
}

TEST_CASE("a clock jump past expire_after does not empty the registry (registry.max_sweep_share)")
{
    struct row {
        const char* label;
        int appliances, stale, share;
        bool force;
        bool want_held;
    };
    const row rows[] = {
        {"the whole fleet at once (a clock jump)", 40, 40, 25, false, true},
        {"30% of the rows, over 25%", 40, 12, 25, false, true},
        {"exactly 25%", 44, 11, 25, false, false},
        {"ten rows are always allowed", 10, 10, 25, false, false},
        {"eleven of eleven", 11, 11, 25, false, true},
        {"--force", 40, 40, 25, true, false},
        {"share 100: no limit", 40, 40, 100, false, false},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        world w;
        for (int i = 0; i < r.stale; ++i)
            w.request(http::verb::post, "/v1/poll", poll_body(cat("old-", i), new_token()).dump());
        w.time.advance(8 * 86400);
        for (int i = r.stale; i < r.appliances; ++i)
            w.request(http::verb::post, "/v1/poll", poll_body(cat("fresh-", i), new_token()).dump());
        sweep_limits limits{std::chrono::hours(24 * 7), r.share, r.force};
        auto outcome = sweep_expired(*w.db, limits, w.time.now());
        REQUIRE(outcome);
        CHECK(outcome->held == r.want_held);
        CHECK(outcome->removed == (r.want_held ? 0u : static_cast<std::size_t>(r.stale)));
        CHECK(w.db->counts()->appliances == static_cast<std::uint64_t>(r.appliances - (r.want_held ? 0 : r.stale)));
        if (r.want_held) {
            auto said = describe(*outcome, limits);
            CHECK(said.starts_with(cat("registry sweep: held, nothing removed: ", r.stale, " of ", r.appliances,
                                       " appliances were not seen for 7d")));
            CHECK(said.ends_with(cat("more than registry.max_sweep_share (", r.share, "%); has the clock jumped "
                                     "forward? If they really are gone: uun-server --sweep --force")));
        }
    }
}
