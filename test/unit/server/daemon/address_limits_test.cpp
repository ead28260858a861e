// The per-address table of the fair share (issue 14): IPv4 by address, IPv6
// by /64, connection and handshake counts, the registration bucket, and the
// bound on how many idle addresses it remembers.
#include "server/daemon/address_limits.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uun::daemon;
namespace ip = boost::asio::ip;

namespace {

ip::address at(const char* text)
{
    return ip::make_address(text);
}

const auto t0 = address_table::clock_type::time_point{} + std::chrono::hours(1000);

}  // namespace

TEST_CASE("addresses are grouped: IPv4 by address, IPv6 by /64, mapped IPv4 as IPv4")
{
    struct row {
        const char* label;
        const char* a;
        const char* b;
        bool same;
    };
    const row rows[] = {
        {"one IPv4 address", "192.0.2.1", "192.0.2.1", true},
        {"two IPv4 addresses", "192.0.2.1", "192.0.2.2", false},
        {"mapped IPv4 and IPv4", "::ffff:192.0.2.1", "192.0.2.1", true},
        {"one /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true},
        {"neighbouring /64s", "2001:db8:1:2::1", "2001:db8:1:3::1", false},
        {"IPv4 and an IPv6 with the same first bytes", "192.0.2.1", "c000:201::", false},
    };
    for (const auto& r : rows) {
        INFO(r.label);
        CHECK((key_of(at(r.a)) == key_of(at(r.b))) == r.same);
        CHECK((address_key_hash{}(key_of(at(r.a))) == address_key_hash{}(key_of(at(r.b)))) >= r.same);
    }
}

TEST_CASE("connections and handshakes in progress are limited per address, and given back")
{
    address_table table({.max_connections = 3, .max_handshakes = 2, .new_registrations = 60, .max_tracked = 100});
    auto a = at("192.0.2.1");
    CHECK(table.admit(a, t0) == admission::admitted);
    CHECK(table.admit(a, t0) == admission::admitted);
    CHECK(table.admit(a, t0) == admission::too_many_handshakes);
    CHECK(table.admit(at("192.0.2.2"), t0) == admission::admitted);  // another address is not touched
    table.handshake_done(a);
    CHECK(table.handshakes(a) == 1);
    CHECK(table.admit(a, t0) == admission::admitted);
    CHECK(table.connections(a) == 3);
    table.handshake_done(a);
    table.handshake_done(a);
    CHECK(table.admit(a, t0) == admission::too_many_connections);
    table.release(a, false);
    CHECK(table.connections(a) == 2);
    CHECK(table.admit(a, t0) == admission::admitted);
    table.release(a, true);  // closed in its handshake
    CHECK(table.handshakes(a) == 0);
    CHECK(table.connections(a) == 2);
    // One /64 is one share.
    CHECK(table.admit(at("2001:db8::1"), t0) == admission::admitted);
    CHECK(table.admit(at("2001:db8::2"), t0) == admission::admitted);
    CHECK(table.admit(at("2001:db8::3"), t0) == admission::too_many_handshakes);
}

TEST_CASE("new registrations: a full bucket of N per hour, refilled over time, Retry-After until the next")
{
    address_table table({.max_connections = 32, .max_handshakes = 8, .new_registrations = 60, .max_tracked = 100});
    auto a = at("192.0.2.7");
    int taken = 0;
    for (int i = 0; i < 200; ++i)
        taken += table.take_registration(a, t0) == 0;
    CHECK(taken == 60);
    CHECK(table.take_registration(a, t0) == 60);  // 60 an hour: one a minute
    CHECK(table.take_registration(at("192.0.2.8"), t0) == 0);
    CHECK(table.take_registration(a, t0 + std::chrono::seconds(30)) == 30);
    CHECK(table.take_registration(a, t0 + std::chrono::seconds(61)) == 0);
    CHECK(table.take_registration(a, t0 + std::chrono::seconds(61)) > 0);
    // A day later the bucket is full again, not fuller.
    taken = 0;
    for (int i = 0; i < 200; ++i)
        taken += table.take_registration(a, t0 + std::chrono::hours(24)) == 0;
    CHECK(taken == 60);
}

TEST_CASE("the table remembers at most max_tracked idle addresses, the least recently seen go first")
{
    address_table table({.max_connections = 32, .max_handshakes = 8, .new_registrations = 2, .max_tracked = 4});
    auto addr = [](int i) { return at(("198.51.100." + std::to_string(i)).c_str()); };
    for (int i = 1; i <= 4; ++i)
        CHECK(table.take_registration(addr(i), t0) == 0);
    CHECK(table.tracked() == 4);
    CHECK(table.take_registration(addr(1), t0) == 0);  // 1 is now the most recently seen
    CHECK(table.take_registration(addr(5), t0) == 0);  // 2 goes
    CHECK(table.tracked() == 4);
    CHECK(table.take_registration(addr(1), t0) > 0);  // 1 was kept: its bucket is empty
    CHECK(table.take_registration(addr(3), t0) == 0);  // 3 still has one
    CHECK(table.take_registration(addr(2), t0) == 0);  // 2 was forgotten: a full bucket again
    CHECK(table.tracked() == 4);

    // An address with connections open is never evicted; the table grows past its bound for it only.
    address_table busy({.max_connections = 32, .max_handshakes = 8, .new_registrations = 2, .max_tracked = 2});
    CHECK(busy.admit(addr(1), t0) == admission::admitted);
    CHECK(busy.admit(addr(2), t0) == admission::admitted);
    CHECK(busy.admit(addr(3), t0) == admission::admitted);
    CHECK(busy.tracked() == 3);
    CHECK(busy.connections(addr(1)) == 1);
    busy.release(addr(1), true);
    busy.release(addr(2), true);
    busy.release(addr(3), true);
    CHECK(busy.take_registration(addr(4), t0) == 0);  // evicts the idle ones down to the bound
    CHECK(busy.tracked() == 2);
}
