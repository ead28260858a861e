// Negotiation: every step uun-milter does not need is asked away, the body
// only when a body variant is on, and never a bit the MTA did not offer.
#include "milter/filter/negotiate.hpp"

#include <doctest/doctest.h>
#include <libmilter/mfapi.h>

using namespace uun::filter;

namespace {

constexpr unsigned long all_steps = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOBODY |
                                    SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NR_HDR | SMFIP_NOUNKNOWN | SMFIP_NODATA |
                                    SMFIP_SKIP | SMFIP_RCPT_REJ | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                                    SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY |
                                    SMFIP_HDR_LEADSPC;
constexpr unsigned long all_actions = SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_CHGHDRS |
                                      SMFIF_QUARANTINE | SMFIF_CHGFROM | SMFIF_ADDRCPT_PAR | SMFIF_SETSYMLIST;

}  // namespace

TEST_CASE("with everything offered and no variants, only headers and end of headers remain")
{
    auto n = negotiate(all_actions, all_steps, false, milter_transport::unix_socket);
    CHECK(n.steps == (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOUNKNOWN |
                      SMFIP_NODATA | SMFIP_NR_HDR | SMFIP_SKIP));
    CHECK((n.steps & (SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_HDR_LEADSPC | SMFIP_NR_EOH)) == 0);
    CHECK(n.actions == SMFIF_SETSYMLIST);  // never a right to change mail
    CHECK(n.no_header_reply);
    CHECK(n.can_skip);
    CHECK(n.symbol_list);
}

TEST_CASE("on a TCP socket the DATA step is kept, everything else is negotiated as on a unix socket")
{
    auto tcp = negotiate(all_actions, all_steps, false, milter_transport::tcp);
    auto local = negotiate(all_actions, all_steps, false, milter_transport::unix_socket);
    CHECK((tcp.steps & SMFIP_NODATA) == 0);
    CHECK((tcp.steps & SMFIP_NR_DATA) == 0);  // answered, so Postfix's next packet is not held back
    CHECK(tcp.steps == (local.steps & ~static_cast<unsigned long>(SMFIP_NODATA)));
    CHECK(tcp.no_header_reply);
    CHECK(tcp.symbol_list);
}

TEST_CASE("the socket spec tells TCP from a local socket")
{
    CHECK(transport_of("inet:8891@127.0.0.1") == milter_transport::tcp);
    CHECK(transport_of("inet6:8891@[::1]") == milter_transport::tcp);
    CHECK(transport_of("unix:/var/spool/postfix/uun/milter.sock") == milter_transport::unix_socket);
    CHECK(transport_of("local:/run/uun.sock") == milter_transport::unix_socket);
    CHECK(transport_of("") == milter_transport::unix_socket);
}

TEST_CASE("a body variant keeps the body")
{
    auto n = negotiate(all_actions, all_steps, true, milter_transport::unix_socket);
    CHECK((n.steps & SMFIP_NOBODY) == 0);
    CHECK((n.steps & SMFIP_NR_BODY) == 0);  // body callbacks may answer skip
    CHECK((n.steps & SMFIP_NOCONNECT) != 0);
}

TEST_CASE("only offered bits are requested")
{
    struct row {
        const char* label;
        unsigned long actions;
        unsigned long steps;
        unsigned long want_steps;
        bool header_reply_needed;
    };
    const row rows[] = {
        {"an MTA that offers nothing", 0, 0, 0, true},
        {"no NR_HDR offered", 0, SMFIP_NOCONNECT | SMFIP_NOBODY, SMFIP_NOCONNECT | SMFIP_NOBODY, true},
        {"only NR_HDR", 0, SMFIP_NR_HDR, SMFIP_NR_HDR, false},
    };
    for (const auto& r : rows) {
        INFO(std::string(r.label));
        auto n = negotiate(r.actions, r.steps, false, milter_transport::unix_socket);
        CHECK(n.steps == r.want_steps);
        CHECK(n.no_header_reply == !r.header_reply_needed);
        CHECK_FALSE(n.symbol_list);
        CHECK(n.actions == 0);
    }
}
