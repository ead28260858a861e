// Root mode (trust.root, doc/trust.md) against a fake v2 server: the root
// chain followed and saved, entries checked by the publisher role of the
// newest root, each channel taken in channel_seq order (a withheld entry is
// a gap, never skipped), timestamp statements (stale, rollback, behind) and
// an expired root. Triggers in root mode are in root_triggers_test.cpp.
#include "test/unit/milter/updater/root_world.hpp"

#include <doctest/doctest.h>

using namespace uun;
using namespace uun::updater;
using uun::proto::poll_reason;
using uun::test::has;
using uun::test::root_world;
using uun::test::stderr_capture;

TEST_CASE("root mode: the poll names the root, the positions and last_seq")
{
    root_world w;
    w.publish_at(7, "av", 1, "av one");
    w.stamp({{"av", 1}});
    auto s = w.root_service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.installed == 1);
    CHECK(out.trust_alarms == 0);
    s->poll(poll_reason::periodic);
    REQUIRE(w.server.polls.size() == 2);
    const auto& first = w.server.polls[0];
    CHECK(first.at("root_version") == 1);
    CHECK(first.at("positions") == nlohmann::json{{"av", 0}, {"sys", 0}});
    CHECK(first.at("wanted") == nlohmann::json::array());
    const auto& second = w.server.polls[1];
    CHECK(second.at("positions") == nlohmann::json{{"av", 1}, {"sys", 0}});
    CHECK(second.at("last_seq") == 7);
    auto st = w.saved();
    CHECK(st.positions.at("av") == 1);
    CHECK(st.root_version == 1);
    CHECK(st.last_fresh_timestamp == w.clock.now());
}

TEST_CASE("root mode: a newer root is followed, saved and trusted after a restart")
{
    root_world w;
    auto v2 = w.vendor.make(2, w.clock.now() + 365 * 86400);
    w.server.roots = {test::sign_root(v2, {&w.vendor.root[0], &w.vendor.root[1]})};
    w.stamp({});
    stderr_capture log(w.dir.file("log"));
    auto s = w.root_service();
    s->poll(poll_reason::periodic);
    auto text = log.text();
    INFO(text);
    CHECK(has(text, "root v1 -> v2"));
    REQUIRE(s->root());
    CHECK(s->root()->version == 2);
    auto copy = proto::load_root_envelope(root_copy_path(w.config.state_dir));
    REQUIRE(copy);
    auto kept = proto::verify_first_root(*copy);
    REQUIRE(kept);
    CHECK(*kept == v2);
    CHECK(w.saved().root_version == 2);
    // The next start trusts the copy, not the older shipped root.
    auto again = w.root_service();
    CHECK(again->root()->version == 2);
    again->poll(poll_reason::periodic);
    CHECK(w.server.polls.back().at("root_version") == 2);

    // A v3 signed by one root key only stops the chain at v2.
    auto v3 = w.vendor.make(3, w.clock.now() + 365 * 86400);
    w.server.roots.push_back(test::sign_root(v3, {&w.vendor.root[0]}));
    stderr_capture log3(w.dir.file("log3"));
    again->poll(poll_reason::periodic);
    auto text3 = log3.text();
    INFO(text3);
    CHECK(has(text3, "was refused"));
    CHECK(again->root()->version == 2);
}

TEST_CASE("root mode: the trusted root at start")
{
    root_world w;
    REQUIRE(w.store->prepare());
    auto v2 = w.vendor.make(2, w.clock.now() + 86400);
    auto v3 = w.vendor.make(3, w.clock.now() + 86400);
    auto both = std::vector<const proto::private_key*>{&w.vendor.root[0], &w.vendor.root[1]};
    std::string copy = root_copy_path(w.config.state_dir);
    CHECK(load_trusted_root(w.config.state_dir, w.config.trust_root)->version == 1);  // no copy yet
    test::spit(copy, test::sign_root(v2, both).dump());
    CHECK(load_trusted_root(w.config.state_dir, w.config.trust_root)->version == 2);  // the copy is newer
    test::spit(w.config.trust_root, test::sign_root(v3, both).dump());
    CHECK(load_trusted_root(w.config.state_dir, w.config.trust_root)->version == 3);  // a package shipped v3
    CHECK(proto::verify_first_root(*proto::load_root_envelope(copy))->version == 3);
    test::spit(copy, test::sign_root(v2, {&w.vendor.root[0]}).dump());  // below the threshold
    auto bad = load_trusted_root(w.config.state_dir, w.config.trust_root);
    REQUIRE_FALSE(bad);
    CHECK(has(bad.error().message, copy));
    ::unlink(copy.c_str());
    test::spit(w.config.trust_root, "{not json");
    auto broken = load_trusted_root(w.config.state_dir, w.config.trust_root);
    REQUIRE_FALSE(broken);
    CHECK(has(broken.error().message, w.config.trust_root));
}

TEST_CASE("root mode: entries whose signature does not count are refused")
{
    struct row {
        const char* label;
        bool rotate;  // the server serves v2, which replaces the publisher key
        std::function<proto::private_key(root_world&)> signer;
    };
    const row rows[] = {
        {"signed by the publisher key v2 revoked", true, [](root_world& w) { return w.vendor.publisher; }},
        {"signed only by the timestamp key", false, [](root_world& w) { return w.vendor.timestamp; }},
        {"signed only by the notify key", false, [](root_world& w) { return w.vendor.notify; }},
        {"signed by a root key", false, [](root_world& w) { return w.vendor.root[0]; }},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        root_world w;
        w.set_old_file("av", "old");
        auto old_publisher = r.signer(w);
        if (r.rotate) {
            w.vendor.publisher = *proto::private_key::generate();
            auto v2 = w.vendor.make(2, w.clock.now() + 86400);
            w.server.roots = {test::sign_root(v2, {&w.vendor.root[0], &w.vendor.root[1]})};
        }
        w.key = old_publisher;
        w.publish_at(1, "av", 1, "forged");
        w.stamp({{"av", 1}});
        auto s = w.root_service();
        auto out = s->poll(poll_reason::periodic);
        CHECK(out.installed == 0);
        CHECK(out.problems > 0);
        CHECK(test::slurp(w.file("av")) == "old");
        CHECK(w.server.count("/v1/payloads/") == 0);
        CHECK(w.saved().positions.at("av") == 0);
        if (r.rotate) {
            // The new key's entry for the same place installs.
            w.key = w.vendor.publisher;
            w.publish_at(1, "av", 1, "genuine");
            CHECK(s->poll(poll_reason::periodic).installed == 1);
            CHECK(test::slurp(w.file("av")) == "genuine");
        }
    }
}

TEST_CASE("root mode: a withheld entry leaves a gap; the channel stops, other channels go on")
{
    root_world w;
    w.set_old_file("av", "old");
    w.publish_at(10, "av", 1, "av one");
    w.publish_at(11, "av", 2, "av two");
    w.publish_at(12, "sys", 1, "sys one");
    w.server.withheld = {10};
    w.stamp({{"av", 2}, {"sys", 1}});
    stderr_capture log(w.dir.file("log"));
    auto s = w.root_service();
    auto out = s->poll(poll_reason::periodic);
    auto text = log.text();
    INFO(text);
    CHECK(out.complete);
    CHECK(out.installed == 1);
    CHECK(test::slurp(w.file("av")) == "old");
    CHECK(test::slurp(w.file("sys")) == "sys one");
    CHECK(has(text, "channel av: entry #2 (seq 11) arrived but #1 is missing: the server withholds it"));
    CHECK(has(text, "behind by 2 entries on channel av"));
    CHECK(out.trust_alarms >= 2);
    auto st = w.saved();
    CHECK(st.positions.at("av") == 0);
    CHECK(st.positions.at("sys") == 1);
    CHECK(st.last_seq == 12);
    REQUIRE(w.server.reports.size() == 1);
    CHECK(w.server.reports[0].at("seq") == 12);

    // Once the server serves #1, both install in order.
    w.server.withheld.clear();
    auto later = s->poll(poll_reason::periodic);
    CHECK(later.installed == 2);
    CHECK(later.trust_alarms == 0);
    CHECK(test::slurp(w.file("av")) == "av two");
    CHECK(w.saved().positions.at("av") == 2);
}

TEST_CASE("root mode: an entry for another appliance is skipped and its place counted")
{
    root_world w;
    w.set_old_file("av", "old");
    w.publish_at(3, "av", 1, "for others", "product=mg-9000");
    w.publish_at(4, "av", 2, "for us");
    w.stamp({{"av", 2}});
    auto s = w.root_service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.skipped == 1);
    CHECK(out.installed == 1);
    CHECK(out.trust_alarms == 0);
    CHECK(test::slurp(w.file("av")) == "for us");
    CHECK(w.saved().positions.at("av") == 2);
    CHECK(w.server.count("/v1/payloads/") == 1);
}

TEST_CASE("root mode: v1 entries (no channel_seq) are refused")
{
    root_world w;
    w.publish(1, "av", "v1 entry");  // channel_seq 0: the fake server does not serve it, so force it
    w.server.poll_script.push_back({200, "application/json",
                                    nlohmann::json{{"entries", {w.server.envelopes[1]}}, {"more", false}}.dump(), "",
                                    ""});
    auto s = w.root_service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.installed == 0);
    CHECK(out.problems > 0);
    CHECK(w.server.count("/v1/payloads/") == 0);
}

TEST_CASE("root mode after trusted_keys: entries finished under v1 are not installed again")
{
    root_world w;
    // A v1 appliance had finished up to seq 8; the vendor's log was already
    // v2 from seq 7 on (v2 entries verify for a v1 updater too).
    updater::updater_state v1;
    v1.last_seq = 8;
    REQUIRE(w.store->prepare());
    REQUIRE(w.store->save(v1));
    w.publish_at(7, "av", 1, "av one");
    w.publish_at(8, "sys", 1, "sys one");
    w.publish_at(9, "av", 2, "av two");
    w.stamp({{"av", 2}, {"sys", 1}});
    auto s = w.root_service();
    auto out = s->poll(poll_reason::periodic);
    CHECK(out.installed == 1);  // av #2 only
    CHECK(out.trust_alarms == 0);
    auto st = w.saved();
    CHECK(st.positions.at("av") == 2);
    CHECK(st.positions.at("sys") == 1);
    CHECK(st.v1_last_seq == 8);
    CHECK(st.last_seq == 9);
    // Later entries at or below seq 8 cannot appear (the publisher's seq only
    // grows), and the marker does not move.
    w.publish_at(10, "sys", 2, "sys two");
    w.stamp({{"av", 2}, {"sys", 2}});
    CHECK(s->poll(poll_reason::periodic).installed == 1);
    CHECK(w.saved().v1_last_seq == 8);
}
