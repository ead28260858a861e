// What the filter logic needs from the MTA, behind an interface (as OpenDKIM
// wraps its smfi_* calls): libmilter in production (milter_glue.cpp), a
// recorder in the unit tests, so the decisions are tested without an MTA.
#pragma once

#include <string_view>

namespace uun::filter {

// The answer to one milter callback; milter_glue maps it to SMFIS_*.
enum class step { next, accept, discard, reject, tempfail, skip };

std::string_view to_string(step s);

class mta_link {
public:
    virtual ~mta_link() = default;
    // A macro's value, or nullptr when the MTA did not send it.
    virtual const char* macro(const char* name) = 0;
    // The SMTP reply for a reject or tempfail; text is printable ASCII.
    virtual void set_reply(const char* rcode, const char* xcode, const char* text) = 0;
};

}  // namespace uun::filter
