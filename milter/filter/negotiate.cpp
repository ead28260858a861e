// Protocol negotiation (see header). Only bits the MTA offered are asked for.
#include "milter/filter/negotiate.hpp"

#include <libmilter/mfapi.h>

namespace uun::filter {

milter_transport transport_of(std::string_view socket_spec)
{
    return socket_spec.starts_with("inet:") || socket_spec.starts_with("inet6:") ? milter_transport::tcp
                                                                                 : milter_transport::unix_socket;
}

negotiation negotiate(unsigned long offered_actions, unsigned long offered_steps, bool wants_body,
                      milter_transport transport)
{
    unsigned long wanted =
        SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOUNKNOWN | SMFIP_NR_HDR | SMFIP_SKIP;
    if (transport == milter_transport::unix_socket)
        wanted |= SMFIP_NODATA;
    if (!wants_body)
        wanted |= SMFIP_NOBODY;
    negotiation n;
    n.steps = wanted & offered_steps;
    n.actions = SMFIF_SETSYMLIST & offered_actions;  // we never change a message
    n.no_header_reply = (n.steps & SMFIP_NR_HDR) != 0;
    n.can_skip = (n.steps & SMFIP_SKIP) != 0;
    n.symbol_list = n.actions != 0;
    return n;
}

}  // namespace uun::filter
