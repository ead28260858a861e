// Retry passes over deferred hand-offs (see header).
#include "server/publish/handoff_retry.hpp"

#include <thread>

namespace uun::publish {

void sleep_pause(std::chrono::milliseconds how_long)
{
    std::this_thread::sleep_for(how_long);
}

handoff_summary submit_with_retries(mail_transport& transport, const std::vector<outgoing_mail>& mails,
                                    const retry_policy& policy, const pause_function& pause)
{
    handoff_summary summary;
    summary.results = transport.submit(mails);
    std::vector<int> tries(mails.size(), 1);
    auto pause_length = policy.first_pause;
    for (int pass = 2; pass <= policy.passes; ++pass) {
        std::vector<std::size_t> deferred;
        for (std::size_t i = 0; i < summary.results.size(); ++i)
            if (summary.results[i].status == handoff::outcome::deferred)
                deferred.push_back(i);
        if (deferred.empty())
            break;
        pause(pause_length);
        pause_length *= 2;
        std::vector<outgoing_mail> again;
        again.reserve(deferred.size());
        for (auto i : deferred)
            again.push_back(mails[i]);
        auto results = transport.submit(again);
        std::size_t queued = 0;
        for (std::size_t k = 0; k < deferred.size(); ++k) {
            auto i = deferred[k];
            summary.results[i] = std::move(results[k]);
            ++tries[i];
            if (summary.results[i].queued())
                ++queued;
        }
        summary.retried += queued;
        if (queued == 0)
            break;
    }
    for (std::size_t i = 0; i < summary.results.size(); ++i)
        if (!summary.results[i].queued() && tries[i] > 1)
            summary.results[i].why += cat(" (", tries[i], " tries)");
    return summary;
}

}  // namespace uun::publish
