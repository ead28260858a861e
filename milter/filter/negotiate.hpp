// Which milter protocol steps and actions uun-milter asks for: everything it
// does not need is negotiated away (connect, HELO, MAIL, RCPT, DATA, unknown
// commands, the body unless a body variant is on, header replies), so a
// normal mail costs the MTA as little as possible. One exception on TCP:
// the DATA step is kept (answered at once), because without it Postfix's
// header packets wait for a delayed ACK (Nagle), about 40 ms per mail; see
// bench/README.md. A pure function of what the MTA offers and the socket
// kind; called from xxfi_negotiate, the unit tests and bench-null-milter.
#pragma once

#include <string_view>

namespace uun::filter {

enum class milter_transport { unix_socket, tcp };

// "inet:..." and "inet6:..." are TCP; anything else ("unix:", "local:") is not.
milter_transport transport_of(std::string_view socket_spec);

struct negotiation {
    unsigned long actions = 0;  // SMFIF_* the filter may use
    unsigned long steps = 0;    // SMFIP_* the MTA should apply
    bool no_header_reply = false;  // header callbacks answer SMFIS_NOREPLY
    bool can_skip = false;         // body callbacks may answer SMFIS_SKIP
    bool symbol_list = false;      // smfi_setsymlist may be called
};

negotiation negotiate(unsigned long offered_actions, unsigned long offered_steps, bool wants_body,
                      milter_transport transport);

}  // namespace uun::filter
