// One milter connection's message state and every decision uun-milter makes:
// accept mail without a UUN at end of headers, discard a valid one and drop
// a trigger, reject an invalid one with 550 5.7.1, discard stale or replayed
// ones without a trigger, tempfail (451 4.3.0) when a trigger cannot be
// stored. Driven by milter_glue.cpp (libmilter) and by the unit tests; no
// callback here throws for hostile input, and state is bounded by config.
#pragma once

#include "lib/util/clock.hpp"
#include "milter/filter/key_source.hpp"
#include "milter/filter/milter_config.hpp"
#include "milter/filter/mta_link.hpp"
#include "milter/filter/replay_cache.hpp"
#include "milter/filter/trigger_spool.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace uun::filter {

// What every session shares; all of it outlives the sessions.
struct filter_context {
    const milter_config& config;
    key_source& keys;  // thread-safe; may change while the milter runs (v2 root)
    replay_cache& cache;
    const trigger_spool& spool;
    const uun::clock& time;
};

class session {
public:
    explicit session(const filter_context& context) : context_(context) {}

    // Header values are kept only for the headers we read, up to the limits.
    void header(std::string_view name, std::string_view value);
    step end_of_headers(mta_link& mta);
    step body(std::string_view chunk);
    step end_of_message(mta_link& mta);
    // Forgets the message in progress (abort, or a message finished).
    void reset();

    // Whether end_of_headers asked for the body of the current message.
    bool reading_body() const { return phase_ == phase::body; }

private:
    enum class phase { headers, body };

    struct claim {
        std::string_view source;  // for logs and replies: "X-UUN header", ...
        std::string_view value;
        std::size_t count = 1;
        bool oversized = false;
    };

    step decide(mta_link& mta, const claim& c);
    step reject(mta_link& mta, std::string_view queue_id, std::string_view source, std::string_view reason);
    step finish(step s);

    const filter_context& context_;
    phase phase_ = phase::headers;
    std::size_t uun_headers_ = 0;
    bool uun_oversized_ = false;
    std::string uun_value_;
    std::size_t marked_subjects_ = 0;
    bool subject_oversized_ = false;
    std::string subject_claim_;
    std::string body_;
};

// The MTA's queue id reduced to [A-Za-z0-9._-] (at most 64), or "NOQUEUE".
std::string safe_queue_id(const char* raw);

// SMTP reply text: printable ASCII, '%' doubled for smfi_setreply, bounded.
std::string safe_reply_text(std::string_view text);

}  // namespace uun::filter
