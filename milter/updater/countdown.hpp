// When the updater polls next and why: the periodic countdown with jitter,
// the coalescing window for urgent triggers, exponential backoff and
// Retry-After. Pure logic over an injected time and random source, called by
// the daemon loop and --once; it cannot fail.
#pragma once

#include "lib/proto/poll_messages.hpp"
#include "milter/updater/random_source.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace uun::updater {

struct countdown_settings {
    std::chrono::seconds interval{24 * 3600};
    std::chrono::seconds max_interval{7 * 24 * 3600};  // cap on what the server may ask for
    int jitter_percent = 10;
    std::chrono::seconds backoff_min{30};
    std::chrono::seconds coalesce_window{2};
    bool reset_on_urgent = false;
};

class countdown {
public:
    countdown(countdown_settings settings, random_source& random);

    // last_poll: when the last complete poll happened (from the state file), if ever.
    void start(std::int64_t now, std::optional<std::int64_t> last_poll);

    // A trigger was seen: the urgent poll waits for the coalescing window.
    // Triggers pending without one (say, a trigger the updater failed to
    // remove after its poll) do not make it poll again.
    void on_trigger(std::int64_t now);
    // The spool is empty again: the next trigger starts a new window.
    void on_triggers_gone() { urgent_at_.reset(); }

    // A clock that jumped back must not postpone polls for as long as it
    // jumped: nothing stays scheduled further ahead than a poll could be.
    void notice_time(std::int64_t now);

    struct due {
        std::int64_t at;
        proto::poll_reason reason;
    };
    due next(bool triggers_pending) const;

    // server_interval: the answer's poll_interval, used only to lengthen.
    void on_success(std::int64_t now, proto::poll_reason reason, std::optional<std::chrono::seconds> server_interval);
    // retry_after: from a 503/429, honoured up to the interval.
    void on_failure(std::int64_t now, std::optional<std::chrono::seconds> retry_after);

    std::int64_t next_periodic() const { return next_periodic_; }
    std::int64_t not_before() const { return not_before_; }
    std::chrono::seconds interval() const { return interval_; }
    int failures() const { return failures_; }

private:
    std::int64_t jittered(std::int64_t seconds);

    countdown_settings settings_;
    random_source& random_;
    std::chrono::seconds interval_;
    std::int64_t next_periodic_ = 0;
    std::int64_t not_before_ = 0;
    std::optional<std::int64_t> urgent_at_;
    int failures_ = 0;
};

}  // namespace uun::updater
