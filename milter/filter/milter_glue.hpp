// The libmilter side of uun-milter: the xxfi_* callbacks, each of which
// turns into a call on the connection's session (session.hpp). No exception
// leaves a callback: one that escapes the session is logged and answered
// with a tempfail. Called by run_milter (milter_main.cpp).
#pragma once

#include "lib/util/result.hpp"
#include "milter/filter/negotiate.hpp"
#include "milter/filter/session.hpp"

#include <memory>

namespace uun::filter {

// One generation of what sessions use: milter.yaml as read, the keys it
// names, and the context built on them (with the replay cache, spool and
// clock that every generation shares). A connection keeps the generation it
// started with, so a reload (SIGHUP) never changes the rules under a mail in
// flight; the last connection using an old generation frees it.
struct filter_generation {
    filter_generation(milter_config c, std::unique_ptr<key_source> k, replay_cache& cache,
                      const trigger_spool& spool, const uun::clock& time)
        : config(std::move(c)), keys(std::move(k)), context{config, *keys, cache, spool, time}
    {
    }
    filter_generation(const filter_generation&) = delete;
    filter_generation& operator=(const filter_generation&) = delete;

    milter_config config;
    std::unique_ptr<key_source> keys;
    filter_context context;
};

// smfi_register with our callbacks; before smfi_opensocket. transport: the
// kind of socket the MTA connects to (negotiate.hpp); it never changes.
result<void> register_filter(milter_transport transport);

// The generation new connections get; set before smfi_main, replaced by a
// reload, reset (null) once smfi_main has returned.
void set_filter_generation(std::shared_ptr<const filter_generation> generation);

}  // namespace uun::filter
