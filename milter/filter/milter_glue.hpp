// The libmilter side of uun-milter: the xxfi_* callbacks, each of which
// turns into a call on the connection's session (session.hpp). No exception
// leaves a callback: one that escapes the session is logged and answered
// with a tempfail. Called by run_milter (milter_main.cpp).
#pragma once

#include "lib/util/result.hpp"
#include "milter/filter/negotiate.hpp"
#include "milter/filter/session.hpp"

namespace uun::filter {

// smfi_register with our callbacks; before smfi_opensocket. transport: the
// kind of socket the MTA connects to (negotiate.hpp).
result<void> register_filter(bool wants_body, milter_transport transport);

// The context every connection's session uses; set before smfi_main and
// left alone until it returns.
void set_filter_context(const filter_context* context);

}  // namespace uun::filter
