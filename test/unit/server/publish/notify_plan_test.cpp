// The notification plan as a table: appliances in, per target the UUN it
// gets (recipient, route, envelope sender, expiry, claim) or why it is
// skipped; plus the relay map the plan builds from registry, targets and
// live notifications. No store, no MTA: the plan is pure.
#include "server/publish/notify_plan.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace uun;
using namespace uun::publish;

namespace {

constexpr std::int64_t now = 1763900000;

settings::publish_config publish_section()
{
    settings::publish_config p;
    p.channels = {"av"};
    p.from = "uun@vendor.example";
    p.sender_domain = "uun.vendor.example";
    p.uun_lifetime = std::chrono::seconds(3600);
    return p;
}

proto::update_entry an_entry()
{
    proto::update_entry e;
    e.seq = 7;
    e.channel = "av";
    e.name = "sig.bin";
    e.urgent = true;
    return e;
}

store::appliance_record appliance(const std::string& id, const std::string& address, int port = 25,
                                   std::string recipient = "")
{
    store::appliance_record a;
    a.id = id;
    a.address = address;
    a.notify_port = port;
    a.notify_recipient = recipient.empty() ? "uun@" + id + ".example" : recipient;
    return a;
}

}  // namespace

TEST_CASE("each target is planned a UUN to its recipient through its own route, or skipped with the reason")
{
    struct rowt {
        const char* label;
        store::appliance_record target;
        std::string want_route;  // "" = skipped
        std::string want_skip;
    };
    const rowt rows[] = {
        {"IPv4", appliance("gw-1", "192.0.2.11"), "[192.0.2.11]:25", ""},
        {"IPv6 on another port", appliance("gw-2", "2001:db8::12", 2525), "[ipv6:2001:db8::12]:2525", ""},
        {"bad id", appliance("gw/3", "192.0.2.13"), "", "not a valid appliance id"},
        {"bad recipient", appliance("gw-4", "192.0.2.14", 25, "not an address"), "",
         "notify recipient 'not an address' is not a mail address"},
        {"host name, no next hop", appliance("gw-5", "gw5.example"), "", "'gw5.example' is not an IP address"},
        {"port out of range", appliance("gw-6", "192.0.2.16", 0), "", "port 0 is out of range"},
        {"upper case (would take gw-1's route)", appliance("GW-1", "192.0.2.17"), "", "not a valid appliance id"},
        {"recipient at localhost (a row from before the server refused it)",
         appliance("gw-7", "192.0.2.18", 25, "root@localhost"), "",
         "notify recipient 'root@localhost' is refused: the domain 'localhost' is a single label, which the vendor's "
         "MTA would deliver locally"},
    };
    std::vector<store::appliance_record> targets;
    for (const auto& r : rows)
        targets.push_back(r.target);
    notify_store_view store;
    store.registry = {targets[0]};  // the rest were registered after the store was read

    auto plan = plan_notification(an_entry(), targets, store, publish_section(), now);
    REQUIRE(plan.uuns.size() == std::size(rows));
    CHECK(plan.to_send() == 2);
    for (std::size_t i = 0; i < std::size(rows); ++i) {
        const auto& r = rows[i];
        const auto& u = plan.uuns[i];
        INFO(r.label, ": got route '", u.route, "' skip '", u.skip, "', want route '", r.want_route, "' skip '",
             r.want_skip, "'");
        CHECK(u.route == r.want_route);
        CHECK(u.skip == r.want_skip);
        CHECK(u.skipped() == !r.want_skip.empty());
        // Skipped or not, the record says who, where and until when: the store gets it either way.
        CHECK(u.record.appliance_id == r.target.id);
        CHECK(u.record.seq == 7);
        CHECK(u.record.address == r.target.address);
        CHECK(u.record.port == r.target.notify_port);
        CHECK(u.record.recipient == r.target.notify_recipient);
        CHECK(u.record.envelope_sender == "uun+" + r.target.id + "@uun.vendor.example");
        CHECK(u.record.notified_at == now);
        CHECK(u.record.expires == now + 3600);
        CHECK(u.record.result.empty());
        if (u.skipped()) {
            CHECK(u.claim.seq == 0);  // nothing to sign
        } else {
            CHECK(u.claim.seq == 7);
            CHECK(u.claim.channel == "av");
            CHECK(u.claim.issued == now);
            CHECK(u.claim.expires == now + 3600);
            CHECK(u.claim.nonce.empty());  // drawn when the mail is composed, so the plan stays pure
        }
    }
    // The relay map routes every planned UUN (and any row it can, gw-4 too), never the clash;
    // the rows it left out say why.
    CHECK(plan.relay_map.find("uun+gw-1@uun.vendor.example smtp:[192.0.2.11]:25\n") != std::string::npos);
    CHECK(plan.relay_map.find("uun+gw-2@uun.vendor.example smtp:[ipv6:2001:db8::12]:2525\n") != std::string::npos);
    CHECK(plan.relay_map.find("192.0.2.17") == std::string::npos);
    CHECK(plan.relay_map.find("uun+gw-4@uun.vendor.example smtp:[192.0.2.14]:25\n") != std::string::npos);
    CHECK(plan.map_notes.size() == 4);  // gw/3, gw-5, gw-6, GW-1
}

TEST_CASE("the plan keeps the routes of live UUNs and when each target fetched the entry before")
{
    notify_store_view store;
    auto fresh = appliance("gw-new", "192.0.2.51");
    store.registry = {fresh};
    store::notification_record old_uun{"gw-old", 6, now - 600, now + 3000, "192.0.2.50", 25,
                                        "uun+gw-old@uun.vendor.example", "uun@gw-old.example", "queued", 0};
    store::notification_record earlier{"gw-new", 7, now - 900, now + 2700, "192.0.2.51", 25,
                                        "uun+gw-new@uun.vendor.example", "uun@gw-new.example", "queued", now - 870};
    store.live = {old_uun, earlier};
    store.earlier = {earlier};

    auto plan = plan_notification(an_entry(), {fresh}, store, publish_section(), now);
    REQUIRE(plan.uuns.size() == 1);
    CHECK(plan.uuns[0].record.fetched_at == now - 870);
    CHECK(plan.uuns[0].record.notified_at == now);
    CHECK(plan.relay_map.find("uun+gw-old@uun.vendor.example smtp:[192.0.2.50]:25\n") != std::string::npos);
    CHECK(plan.relay_map.find("uun+gw-new@uun.vendor.example smtp:[192.0.2.51]:25\n") != std::string::npos);
    CHECK(plan.map_notes.empty());
}

TEST_CASE("a target never notified before has not fetched the entry, and a plan of skips sends nothing")
{
    auto plan = plan_notification(an_entry(), {appliance("gw-1", "gw1.example"), appliance("gw-2", "192.0.2.2")}, {},
                                  publish_section(), now);
    REQUIRE(plan.uuns.size() == 2);
    CHECK(plan.uuns[1].record.fetched_at == 0);
    CHECK(plan.to_send() == 1);
    CHECK(plan_notification(an_entry(), {appliance("gw-1", "gw1.example")}, {}, publish_section(), now).to_send() == 0);
    CHECK(plan_notification(an_entry(), {}, {}, publish_section(), now).uuns.empty());
}

TEST_CASE("a v2 UUN names the heads of the appliance's channels; a v1 UUN none")
{
    auto entry = an_entry();
    entry.channel_seq = 4;
    auto a = appliance("gw-1", "192.0.2.1");
    a.channels = {"av", "sys"};
    notify_store_view view;
    view.registry = {a};
    view.heads = {{"av", 3}, {"sys", 9}, {"web", 2}};
    auto plan = plan_notification(entry, {a}, view, publish_section(), now);
    REQUIRE(plan.uuns.size() == 1);
    // av is never below the entry itself; web is not gw-1's channel.
    CHECK(plan.uuns[0].claim.heads == proto::channel_heads{{"av", 4}, {"sys", 9}});

    entry.channel_seq = 0;
    plan = plan_notification(entry, {a}, view, publish_section(), now);
    CHECK(plan.uuns[0].claim.heads.empty());
}
