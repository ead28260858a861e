// Root mode: what the timestamp statement proves. A stale or missing one is
// a frozen or replaying server; heads above the positions mean entries are
// withheld; heads below them are a rollback; an expired root installs nothing.
#include "milter/updater/log_text.hpp"
#include "test/unit/milter/updater/root_world.hpp"

#include <doctest/doctest.h>

using namespace uun;
using namespace uun::updater;
using uun::proto::poll_reason;
using uun::test::has;
using uun::test::root_world;
using uun::test::stderr_capture;

TEST_CASE("root mode: no fresh timestamp statement is a trust alarm")
{
    struct row {
        const char* label;
        std::function<void(root_world&)> setup;
    };
    const row rows[] = {
        {"expired",
         [](root_world& w) {
             w.stamp({{"av", 1}}, 3600);
             w.clock.advance(2 * 3600);
         }},
        {"missing", [](root_world& w) { w.server.timestamp.reset(); }},
        {"signed by the publisher key",
         [](root_world& w) {
             proto::timestamp_statement s{w.clock.now() - 60, w.clock.now() + 3600, 1, {{"av", 1}}};
             w.server.timestamp = proto::sign_timestamp(s, w.vendor.publisher);
         }},
        {"issued far ahead of this clock",
         [](root_world& w) {
             proto::timestamp_statement s{w.clock.now() + 3600, w.clock.now() + 7200, 1, {{"av", 1}}};
             w.server.timestamp = proto::sign_timestamp(s, w.vendor.timestamp);
         }},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        root_world w;
        w.publish_at(1, "av", 1, "av one");
        // A first poll with a fresh statement, then the one under test.
        w.stamp({{"av", 1}});
        auto s = w.root_service();
        CHECK(s->poll(poll_reason::periodic).trust_alarms == 0);
        std::int64_t fresh_at = w.clock.now();
        w.clock.advance(600);
        r.setup(w);
        stderr_capture log(w.dir.file("log"));
        auto out = s->poll(poll_reason::periodic);
        auto text = log.text();
        INFO(text);
        CHECK(out.complete);
        CHECK(out.trust_alarms == 1);
        CHECK(has(text, cat("no fresh timestamp statement since ", utc_text(fresh_at), " (stale for ",
                            w.clock.now() - fresh_at, " s): the server may be frozen or replaying old answers")));
        CHECK(w.saved().last_fresh_timestamp == fresh_at);
    }
}

TEST_CASE("root mode: heads above the positions with nothing served: behind")
{
    root_world w;
    w.publish_at(5, "sys", 1, "sys one");
    w.server.withheld = {5};
    w.stamp({{"sys", 1}});
    stderr_capture log(w.dir.file("log"));
    auto s = w.root_service();
    auto out = s->poll(poll_reason::periodic);
    auto text = log.text();
    INFO(text);
    CHECK(out.complete);
    CHECK(out.installed == 0);
    CHECK(out.trust_alarms == 1);
    CHECK(has(text, "this appliance is behind by 1 entries on channel sys"));
    CHECK(w.saved().known_heads.at("sys") == 1);
    // A later statement that names a lower head does not make it forget.
    w.stamp({});
    CHECK(s->poll(poll_reason::periodic).trust_alarms == 1);
    CHECK(w.saved().known_heads.at("sys") == 1);
}

TEST_CASE("root mode: a statement below what this appliance finished is a rollback")
{
    root_world w;
    w.publish_at(1, "av", 1, "av one");
    w.publish_at(2, "av", 2, "av two");
    w.stamp({{"av", 2}});
    auto s = w.root_service();
    REQUIRE(s->poll(poll_reason::periodic).installed == 2);
    w.clock.advance(60);
    w.stamp({{"av", 1}});  // an old statement re-signed, or a server rolled back
    stderr_capture log(w.dir.file("log"));
    auto out = s->poll(poll_reason::periodic);
    auto text = log.text();
    INFO(text);
    CHECK(has(text, "refused as a rollback"));
    CHECK(has(text, "no fresh timestamp statement since"));
    CHECK(out.trust_alarms == 1);
    CHECK(w.saved().positions.at("av") == 2);
}

TEST_CASE("root mode: an expired root installs nothing and keeps polling")
{
    root_world w;
    w.set_old_file("av", "old");
    w.publish_at(1, "av", 1, "av one");
    w.stamp({{"av", 1}});
    w.clock.set(w.root1.expires + 10);
    w.stamp({{"av", 1}});
    stderr_capture log(w.dir.file("log"));
    auto s = w.root_service();
    auto out = s->poll(poll_reason::periodic);
    auto text = log.text();
    INFO(text);
    CHECK(out.complete);
    CHECK(out.installed == 0);
    CHECK(out.trust_alarms >= 1);
    CHECK(has(text, cat("root v1 expired at ", utc_text(w.root1.expires),
                        ": no update is installed until the vendor publishes a new root")));
    CHECK(test::slurp(w.file("av")) == "old");
    CHECK(w.server.count("/v1/payloads/") == 0);
    CHECK(w.saved().positions.at("av") == 0);
    // The vendor publishes v2: the next poll follows it and installs.
    auto v2 = w.vendor.make(2, w.clock.now() + 86400);
    w.server.roots = {test::sign_root(v2, {&w.vendor.root[0], &w.vendor.root[1]})};
    auto next = s->poll(poll_reason::periodic);
    CHECK(next.installed == 1);
    CHECK(next.trust_alarms == 0);
}
