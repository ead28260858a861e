// lib/util/address: which texts are addresses, their canonical form, and
// text that a C-string parser would cut short (an embedded NUL).
#include "lib/util/address.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uun;
using namespace std::string_literals;

TEST_CASE("IPv4 and IPv6 texts are told apart; anything else is no address")
{
    for (const char* v4 : {"127.0.0.1", "192.0.2.25", "0.0.0.0", "255.255.255.255"}) {
        CAPTURE(v4);
        CHECK(is_ipv4_address(v4));
        CHECK_FALSE(is_ipv6_address(v4));
        CHECK(is_ip_address(v4));
    }
    for (const char* v6 : {"::1", "2001:db8::25", "::ffff:192.0.2.1", "fe80::1"}) {
        CAPTURE(v6);
        CHECK(is_ipv6_address(v6));
        CHECK_FALSE(is_ipv4_address(v6));
    }
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", " 1.2.3.4", "1.2.3.4 ", "gw.example",
                            "[::1]", "::1%lo", "1.2.3.04x", "01234567890123456789012345678901234567890123456"}) {
        CAPTURE(bad);
        CHECK_FALSE(is_ip_address(bad));
        CHECK_FALSE(canonical_ip(bad));
    }
    CHECK(is_ipv4_loopback("127.0.0.1"));
    CHECK(is_ipv4_loopback("127.255.3.9"));
    CHECK_FALSE(is_ipv4_loopback("128.0.0.1"));
    CHECK_FALSE(is_ipv4_loopback("::1"));
    CHECK(ipv4_host_order("127.16.0.1") == 0x7f100001u);
    CHECK(ipv4_host_order("255.255.255.255") == 0xffffffffu);
    CHECK_FALSE(ipv4_host_order("::1"));
    CHECK_FALSE(ipv4_host_order(std::string("10.0.0.1\0x", 10)));
}

TEST_CASE("text with a NUL inside is not an address, whatever precedes it")
{
    for (const std::string& cut : {"1.2.3.4\0junk"s, "127.0.0.1\0"s, "::1\0:2"s, "\0"s + "1.2.3.4"}) {
        CAPTURE(cut.size());
        CHECK_FALSE(is_ip_address(cut));
        CHECK_FALSE(is_ipv4_loopback(cut));
        CHECK_FALSE(canonical_ip(cut));
    }
}

TEST_CASE("canonical form: inet_ntop's spelling, IPv4-mapped IPv6 becomes IPv4")
{
    auto mapped = canonical_ip("::ffff:192.0.2.1");
    REQUIRE(mapped);
    CHECK_FALSE(mapped->v6);
    CHECK(mapped->text == "192.0.2.1");
    auto long_v6 = canonical_ip("2001:0db8:0000:0000:0000:0000:0000:0025");
    REQUIRE(long_v6);
    CHECK(long_v6->v6);
    CHECK(long_v6->text == "2001:db8::25");
    auto upper = canonical_ip("2001:DB8::A");
    REQUIRE(upper);
    CHECK(upper->text == "2001:db8::a");
    auto v4 = canonical_ip("192.0.2.7");
    REQUIRE(v4);
    CHECK(v4->text == "192.0.2.7");
}
