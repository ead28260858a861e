// Root mode triggers: a UUN's seq is wanted until an entry with that seq is
// handled (installed, skipped, already done, on a channel not followed); each
// poll that does not serve it is an alarm; after 7 days it is given up.
#include "test/unit/milter/updater/root_world.hpp"

#include <doctest/doctest.h>

using namespace uun;
using namespace uun::updater;
using uun::proto::poll_reason;
using uun::test::has;
using uun::test::root_world;
using uun::test::stderr_capture;

TEST_CASE("root mode: a trigger stays until its seq is served")
{
    root_world w;
    w.publish_at(9, "av", 1, "av one");
    w.server.withheld = {9};
    w.stamp({});  // the server's statement hides it too
    w.drop_trigger(9);
    auto s = w.root_service();
    stderr_capture log(w.dir.file("log"));
    auto out = s->poll(poll_reason::urgent);
    auto text = log.text();
    INFO(text);
    CHECK(out.complete);
    CHECK(out.installed == 0);
    CHECK(out.trust_alarms == 1);
    CHECK(has(text, "UUN announced seq 9; the server has not served it"));
    CHECK(w.server.polls.back().at("wanted") == nlohmann::json::array({9}));
    CHECK(w.trigger_count() == 1);
    CHECK(w.saved().trigger_seen.size() == 1);
    // The vendor hears of it once (uun-publish --status), not at every poll.
    REQUIRE(w.server.reports.size() == 1);
    CHECK(w.server.reports[0].at("seq") == 9);
    CHECK(w.server.reports[0].at("status") == "failed");
    CHECK(has(w.server.reports[0].at("detail").get<std::string>(), "did not hold it"));
    s->poll(poll_reason::urgent);
    CHECK(w.server.reports.size() == 1);

    w.server.withheld.clear();
    auto served = s->poll(poll_reason::urgent);
    CHECK(served.installed == 1);
    CHECK(served.trust_alarms == 0);
    CHECK(w.trigger_count() == 0);
    CHECK(w.saved().trigger_seen.empty());
}

TEST_CASE("root mode: triggers resolved without an install")
{
    struct row {
        const char* label;
        std::function<void(root_world&)> setup;
    };
    const row rows[] = {
        {"on a channel not followed",
         [](root_world& w) {
             w.publish_at(9, "web", 1, "web one");
             w.stamp({{"web", 1}});
         }},
        {"not for this appliance", [](root_world& w) { w.publish_at(9, "av", 1, "other", "product=mg-9000"); }},
        {"already done",
         [](root_world& w) {
             w.publish_at(9, "av", 1, "av one");
             auto s = w.root_service();
             s->poll(poll_reason::periodic);
         }},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        root_world w;
        w.stamp({{"av", 1}});
        r.setup(w);
        w.drop_trigger(9);
        auto s = w.root_service();
        auto out = s->poll(poll_reason::urgent);
        CHECK(out.trust_alarms == 0);
        CHECK(w.trigger_count() == 0);
        CHECK(w.server.polls.back().at("wanted") == nlohmann::json::array({9}));
    }
}

TEST_CASE("root mode: a trigger never served is given up after 7 days")
{
    root_world w;
    w.stamp({});
    w.drop_trigger(40);
    auto s = w.root_service();
    CHECK(s->poll(poll_reason::urgent).trust_alarms == 1);
    w.clock.advance(6 * 86400);
    w.stamp({});
    CHECK(s->poll(poll_reason::urgent).trust_alarms == 1);
    CHECK(w.trigger_count() == 1);
    w.clock.advance(86400 + 60);
    w.stamp({});
    stderr_capture log(w.dir.file("log"));
    auto out = s->poll(poll_reason::urgent);
    auto text = log.text();
    INFO(text);
    CHECK(has(text, "given up"));
    CHECK(out.trust_alarms == 0);
    CHECK(w.trigger_count() == 0);
}

TEST_CASE("root mode: a UUN's heads keep its trigger until the appliance reaches them")
{
    root_world w;
    w.publish_at(9, "av", 1, "av one");
    w.publish_at(10, "sys", 1, "sys one");
    w.server.withheld = {10};
    w.stamp({{"av", 1}});  // the server's statement hides sys #1 as well
    w.drop_trigger(9, "av:1,sys:1");
    auto s = w.root_service();
    stderr_capture log(w.dir.file("log"));
    auto out = s->poll(poll_reason::urgent);
    auto text = log.text();
    INFO(text);
    CHECK(out.installed == 1);
    CHECK(out.trust_alarms == 1);
    CHECK(has(text, "said channel sys reached #1 (this appliance is at #0); the server has not served that far"));
    CHECK(w.trigger_count() == 1);
    REQUIRE(w.server.reports.size() >= 1);
    CHECK(has(w.server.reports.back().at("detail").get<std::string>(), "a verified UUN said channel sys reached #1"));

    w.server.withheld.clear();
    w.stamp({{"av", 1}, {"sys", 1}});
    auto served = s->poll(poll_reason::urgent);
    CHECK(served.installed == 1);
    CHECK(served.trust_alarms == 0);
    CHECK(w.trigger_count() == 0);
}

TEST_CASE("root mode: heads on a channel not followed, or a heads line that does not parse, keep nothing")
{
    for (const char* heads : {"av:1,web:5", "web:5,av:1", "av:x"}) {
        INFO(heads);
        root_world w;
        w.publish_at(9, "av", 1, "av one");
        w.stamp({{"av", 1}});
        w.drop_trigger(9, heads);
        auto s = w.root_service();
        auto out = s->poll(poll_reason::urgent);
        CHECK(out.trust_alarms == 0);
        CHECK(w.trigger_count() == 0);
    }
}
