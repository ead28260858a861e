// Poll scheduling (see header). Times are unix seconds from the caller's clock.
#include "milter/updater/countdown.hpp"

#include <algorithm>

namespace uun::updater {

namespace {

constexpr int max_failures_counted = 1000;  // only keeps the counter from wrapping

}  // namespace

countdown::countdown(countdown_settings settings, random_source& random)
    : settings_(settings), random_(random), interval_(settings.interval)
{
}

std::int64_t countdown::jittered(std::int64_t seconds)
{
    std::int64_t spread = seconds * settings_.jitter_percent / 100;
    return seconds + random_.uniform(-spread, spread);
}

void countdown::start(std::int64_t now, std::optional<std::int64_t> last_poll)
{
    std::int64_t at = last_poll ? *last_poll + jittered(interval_.count()) : now;
    // A clock that went back, or a poll long overdue, must not stall or storm.
    next_periodic_ = std::clamp(at, now, now + jittered(interval_.count()));
}

void countdown::on_trigger(std::int64_t now)
{
    if (!urgent_at_)
        urgent_at_ = now + settings_.coalesce_window.count();
}

void countdown::notice_time(std::int64_t now)
{
    std::int64_t furthest = interval_.count() + interval_.count() * settings_.jitter_percent / 100;
    if (next_periodic_ > now + furthest)
        next_periodic_ = now + jittered(interval_.count());
    if (not_before_ > now + settings_.interval.count())
        not_before_ = now + settings_.interval.count();
    if (urgent_at_ && *urgent_at_ > now + settings_.coalesce_window.count())
        urgent_at_ = now + settings_.coalesce_window.count();
}

countdown::due countdown::next(bool triggers_pending) const
{
    std::int64_t periodic_at = std::max(next_periodic_, not_before_);
    if (!triggers_pending || !urgent_at_)
        return {periodic_at, proto::poll_reason::periodic};
    // A periodic poll due before the window ends serves the waiting triggers:
    // it is the urgent poll, made early, and the server is told so.
    std::int64_t urgent_at = std::max(*urgent_at_, not_before_);
    return {std::min(urgent_at, periodic_at), proto::poll_reason::urgent};
}

void countdown::on_success(std::int64_t now, proto::poll_reason reason, std::optional<std::chrono::seconds> server_interval)
{
    interval_ = settings_.interval;
    if (server_interval)
        interval_ = std::clamp(*server_interval, settings_.interval, settings_.max_interval);
    // An urgent poll that happens when the periodic one is due anyway counts as both.
    if (reason == proto::poll_reason::periodic || settings_.reset_on_urgent || now >= next_periodic_)
        next_periodic_ = now + jittered(interval_.count());
    urgent_at_.reset();
    failures_ = 0;
    not_before_ = 0;
}

void countdown::on_failure(std::int64_t now, std::optional<std::chrono::seconds> retry_after)
{
    failures_ = std::min(failures_ + 1, max_failures_counted);
    std::int64_t cap = settings_.interval.count();
    std::int64_t delay = settings_.backoff_min.count();
    for (int i = 1; i < failures_ && delay < cap; ++i)
        delay *= 2;
    delay = std::min(delay, cap);
    delay = std::min(jittered(delay), cap);
    if (retry_after)
        delay = std::max(delay, std::min<std::int64_t>(retry_after->count(), cap));
    not_before_ = now + std::max<std::int64_t>(delay, 1);
}

}  // namespace uun::updater
