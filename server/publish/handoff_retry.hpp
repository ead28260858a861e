// Deferred hand-offs get more tries, as an MTA retries its own queue: after
// the first pass every deferred mail is submitted again after a pause that
// doubles (1 s, 2 s, 4 s by default). A retry pass that queues nothing means
// the MTA will not take mail now: the rest stay failed, and --renotify sends
// them later. Refused mails are never retried. Caller: the notifier.
#pragma once

#include "server/publish/mail_transport.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

namespace uun::publish {

struct retry_policy {
    int passes = 4;  // the first try included
    std::chrono::milliseconds first_pause{1000};
};

using pause_function = std::function<void(std::chrono::milliseconds)>;

// Sleeps the calling thread; the default pause.
void sleep_pause(std::chrono::milliseconds how_long);

struct handoff_summary {
    std::vector<handoff> results;  // one per mail, in order, as the last try left it
    std::size_t retried = 0;       // mails queued on a later pass
};

handoff_summary submit_with_retries(mail_transport& transport, const std::vector<outgoing_mail>& mails,
                                    const retry_policy& policy, const pause_function& pause);

}  // namespace uun::publish
