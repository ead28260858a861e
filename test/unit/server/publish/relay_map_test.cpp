// The relay map: next hops for IPv4 and IPv6, ports, registry rows plus live
// notifications, sorted, no duplicates, rows that cannot be routed, and the
// discard for every other sender of the UUN domain.
#include "server/publish/relay_map.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace uun;
using namespace uun::publish;

namespace {

store::appliance_record row(const std::string& id, const std::string& address, int port = 25)
{
    store::appliance_record a;
    a.id = id;
    a.address = address;
    a.notify_port = port;
    a.notify_recipient = "uun@" + id + ".example";
    return a;
}

store::notification_record queued(const std::string& id, const std::string& address, int port, std::int64_t at)
{
    store::notification_record n;
    n.appliance_id = id;
    n.seq = 1;
    n.notified_at = at;
    n.expires = at + 3600;
    n.address = address;
    n.port = port;
    n.envelope_sender = envelope_sender(id, "uun.vendor.example");
    n.recipient = "uun@" + id + ".example";
    n.result = "queued";
    return n;
}

// The map without its comment line and the catch-all of the sender domain.
std::string lines(const relay_map& m)
{
    auto nl = m.content.find('\n');
    nl = m.content.find('\n', nl + 1);
    return m.content.substr(nl + 1);
}

}  // namespace

TEST_CASE("next hops pin the recorded address and port, IPv6 in Postfix's [ipv6:...] form")
{
    struct rowt {
        const char* label;
        const char* address;
        int port;
        const char* want;  // "" = refused
    };
    const rowt rows[] = {
        {"IPv4", "192.0.2.7", 25, "[192.0.2.7]:25"},
        {"IPv4 other port", "127.0.2.11", 2525, "[127.0.2.11]:2525"},
        {"IPv6", "2001:db8::7", 25, "[ipv6:2001:db8::7]:25"},
        {"IPv6 written long is made canonical", "2001:0db8:0000:0000:0000:0000:0000:0007", 587,
         "[ipv6:2001:db8::7]:587"},
        {"IPv4-mapped IPv6 becomes IPv4", "::ffff:192.0.2.9", 25, "[192.0.2.9]:25"},
        {"loopback IPv6", "::1", 10025, "[ipv6:::1]:10025"},
        {"host name refused", "gw1.example.net", 25, ""},
        {"empty refused", "", 25, ""},
        {"port 0 refused", "192.0.2.7", 0, ""},
        {"port 65536 refused", "192.0.2.7", 65536, ""},
        {"injection refused", "192.0.2.7 x", 25, ""},
    };
    for (const auto& r : rows) {
        auto got = next_hop(r.address, r.port);
        INFO(std::string(r.label), ": got '", (got ? *got : "error: " + got.error().message), "', want '",
             std::string(r.want), "'");
        if (std::string(r.want).empty())
            CHECK_FALSE(got);
        else
            CHECK((got && *got == r.want));
    }
}

TEST_CASE("the relay map is every registry row plus live notifications, sorted, one line per sender")
{
    std::vector<store::appliance_record> registry = {row("gw-2", "192.0.2.2"), row("gw-1", "2001:db8::1", 2525),
                                                     row("gw-3", "192.0.2.3")};
    std::vector<store::notification_record> live = {
        queued("gw-9", "192.0.2.9", 25, 100),   // row expired, mail may still be queued: keeps its route
        queued("gw-2", "198.51.100.2", 25, 50),  // the registry row is newer: it wins
        queued("gw-8", "192.0.2.80", 25, 100),
        queued("gw-8", "192.0.2.81", 26, 200),   // a later notification of the same appliance wins
    };
    auto m = build_relay_map(registry, live, "uun.vendor.example");
    CHECK(m.content.rfind("# ", 0) == 0);
    CHECK(m.content.find("\n@uun.vendor.example discard:uun route withdrawn") != std::string::npos);
    CHECK(lines(m) == "uun+gw-1@uun.vendor.example smtp:[ipv6:2001:db8::1]:2525\n"
                      "uun+gw-2@uun.vendor.example smtp:[192.0.2.2]:25\n"
                      "uun+gw-3@uun.vendor.example smtp:[192.0.2.3]:25\n"
                      "uun+gw-8@uun.vendor.example smtp:[192.0.2.81]:26\n"
                      "uun+gw-9@uun.vendor.example smtp:[192.0.2.9]:25\n");
    CHECK(m.routes == 5);
    CHECK(m.problems.empty());
    CHECK(m.unrouted.empty());
}

TEST_CASE("rows that cannot be routed are left out and named")
{
    std::vector<store::appliance_record> registry = {row("gw-1", "not-an-ip"), row("gw-2", "192.0.2.2", 0),
                                                     row("bad id", "192.0.2.3"), row("GW-4", "192.0.2.4"),
                                                     row("gw-4", "192.0.2.44"), row("gw-5", "192.0.2.5")};
    std::vector<store::notification_record> live = {queued("gw-6", "nowhere", 25, 10)};
    auto m = build_relay_map(registry, live, "uun.vendor.example");
    // Postfix folds lookup keys: GW-4 would take gw-4's route if it were an id at all.
    CHECK(lines(m) == "uun+gw-4@uun.vendor.example smtp:[192.0.2.44]:25\n"
                      "uun+gw-5@uun.vendor.example smtp:[192.0.2.5]:25\n");
    CHECK(m.unrouted == std::vector<std::string>{"gw-1", "gw-2", "bad id", "GW-4"});
    REQUIRE(m.problems.size() == 5);
    CHECK(m.problems[0].find("not-an-ip") != std::string::npos);
    CHECK(m.problems[1].find("port 0") != std::string::npos);
    CHECK(m.problems[3].find("registry row 'GW-4': not a valid appliance id") != std::string::npos);
    CHECK(m.problems[4].find("gw-6") != std::string::npos);
}

TEST_CASE("envelope senders carry the appliance id")
{
    // Appliance ids and notify recipients: test/unit/lib/proto/identity_test.cpp.
    CHECK(envelope_sender("gw-0001", "uun.vendor.example") == "uun+gw-0001@uun.vendor.example");
}

TEST_CASE("an empty registry still discards the whole UUN sender domain (no MX fallback)")
{
    auto m = build_relay_map({}, {}, "UUN.Vendor.Example");
    CHECK(m.routes == 0);
    // Postfix looks up the full sender, then @domain: a sender without a route gets the discard.
    CHECK(m.content.substr(m.content.find('\n') + 1) ==
          "@uun.vendor.example discard:uun route withdrawn (past x= or appliance gone)\n");
}
