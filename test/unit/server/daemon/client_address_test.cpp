// The address a poll is recorded under: the TCP peer, or behind a trusted
// proxy the right-most X-Forwarded-For address that is not one; IPv4-mapped
// IPv6 written as IPv4.
#include "server/daemon/client_address.hpp"

#include <doctest/doctest.h>

using namespace uun::daemon;
namespace ip = boost::asio::ip;

TEST_CASE("IPv4-mapped IPv6 addresses are written as IPv4, others unchanged")
{
    struct row {
        const char* label;
        const char* in;
        const char* want;
    };
    const row rows[] = {
        {"mapped IPv4", "::ffff:192.0.2.1", "192.0.2.1"},
        {"mapped loopback", "::ffff:127.0.1.5", "127.0.1.5"},
        {"plain IPv4", "192.0.2.1", "192.0.2.1"},
        {"IPv6 loopback", "::1", "::1"},
        {"IPv6 global, canonical form", "2001:0db8:0000::0001", "2001:db8::1"},
        {"IPv4-compatible (deprecated) is not mapped", "::192.0.2.1", "::192.0.2.1"},
    };
    for (const auto& r : rows) {
        auto got = address_text(ip::make_address(r.in));
        INFO(std::string(r.label), ": got ", got, ", want ", std::string(r.want));
        CHECK(got == r.want);
    }
}

TEST_CASE("parse_ip_address takes bare and bracketed addresses and refuses the rest")
{
    CHECK(parse_ip_address(" 198.51.100.7 ")->to_string() == "198.51.100.7");
    CHECK(parse_ip_address("[2001:db8::5]")->to_string() == "2001:db8::5");
    CHECK(parse_ip_address("::ffff:10.0.0.1")->to_string() == "10.0.0.1");
    for (const char* bad : {"", "unknown", "198.51.100.7:443", "300.1.1.1", "[::1", "gw1.example.net"}) {
        INFO(std::string(bad));
        CHECK_FALSE(parse_ip_address(bad));
    }
}

TEST_CASE("the client address: peer unless a trusted proxy forwards for someone")
{
    auto proxies = trusted_proxies::from_list({"10.0.0.1", "10.0.0.2", "::ffff:10.0.0.3", "2001:db8::10"});
    REQUIRE(proxies);
    struct row {
        const char* label;
        const char* peer;
        const char* forwarded_for;
        const char* want;  // "" : refused
    };
    const row rows[] = {
        {"direct client, no header", "198.51.100.7", "", "198.51.100.7"},
        {"direct client cannot claim another address", "198.51.100.7", "203.0.113.9", "198.51.100.7"},
        {"mapped peer is written as IPv4", "::ffff:198.51.100.7", "", "198.51.100.7"},
        {"trusted proxy without a header is the client", "10.0.0.1", "", "10.0.0.1"},
        {"trusted proxy forwards one client", "10.0.0.1", "203.0.113.9", "203.0.113.9"},
        {"right-most untrusted wins over a forged left part", "10.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"},
        {"a chain of trusted proxies is skipped", "10.0.0.1", "203.0.113.9, 10.0.0.2", "203.0.113.9"},
        {"a proxy given as mapped IPv6 in config", "10.0.0.3", "203.0.113.9", "203.0.113.9"},
        {"a proxy reached over mapped IPv6", "::ffff:10.0.0.1", "203.0.113.9", "203.0.113.9"},
        {"IPv6 proxy and IPv6 client", "2001:db8::10", "2001:db8::99", "2001:db8::99"},
        {"bracketed IPv6 client", "10.0.0.1", "[2001:db8::99]", "2001:db8::99"},
        {"forwarded mapped IPv4", "10.0.0.1", "::ffff:203.0.113.9", "203.0.113.9"},
        {"only trusted proxies: the left-most", "10.0.0.1", "10.0.0.2", "10.0.0.2"},
        {"empty items are skipped", "10.0.0.1", "203.0.113.9,, ", "203.0.113.9"},
        {"several header fields joined", "10.0.0.1", "203.0.113.9,10.0.0.2", "203.0.113.9"},
        {"garbage from a trusted proxy is refused", "10.0.0.1", "unknown", ""},
        {"a port is not an address", "10.0.0.1", "203.0.113.9:5555", ""},
        {"garbage left of the client is not looked at", "10.0.0.1", "garbage, 203.0.113.9", "203.0.113.9"},
        {"an overlong header is refused", "10.0.0.1", nullptr, ""},
    };
    std::string overlong;
    while (overlong.size() <= max_forwarded_for_bytes)
        overlong += "10.0.0.2,";
    for (const auto& r : rows) {
        std::string header = r.forwarded_for ? r.forwarded_for : overlong;
        auto got = choose_client_address(ip::make_address(r.peer), header, *proxies);
        INFO(std::string(r.label), ": got ", (got ? *got : "refused: " + got.error().message), ", want ",
             std::string(*r.want ? r.want : "refused"));
        if (*r.want) {
            REQUIRE(got);
            CHECK(*got == r.want);
        } else {
            CHECK_FALSE(got);
        }
    }
}

TEST_CASE("without trusted proxies X-Forwarded-For is never read")
{
    trusted_proxies none;
    auto got = choose_client_address(ip::make_address("10.0.0.1"), "garbage", none);
    REQUIRE(got);
    CHECK(*got == "10.0.0.1");
    CHECK_FALSE(trusted_proxies::from_list({"proxy.example"}));
}
