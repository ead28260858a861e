// Which milter protocol steps and actions uun-milter asks for: everything it
// does not need is negotiated away (connect, HELO, MAIL, RCPT, DATA, unknown
// commands, the body unless a body variant is on, header replies), so a
// normal mail costs the MTA as little as possible. A pure function of what
// the MTA offers; called from xxfi_negotiate and the unit tests.
#pragma once

namespace uun::milter {

struct negotiation {
    unsigned long actions = 0;  // SMFIF_* the filter may use
    unsigned long steps = 0;    // SMFIP_* the MTA should apply
    bool no_header_reply = false;  // header callbacks answer SMFIS_NOREPLY
    bool can_skip = false;         // body callbacks may answer SMFIS_SKIP
    bool symbol_list = false;      // smfi_setsymlist may be called
};

negotiation negotiate(unsigned long offered_actions, unsigned long offered_steps, bool wants_body);

}  // namespace uun::milter
