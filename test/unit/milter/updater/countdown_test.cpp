// The poll schedule: jitter bounds, backoff, urgent polls and the countdown,
// Retry-After, and the server's poll_interval, all on an injected clock and
// random source.
#include "milter/updater/countdown.hpp"

#include <doctest/doctest.h>

using namespace uun::updater;
using uun::proto::poll_reason;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t t0 = 1'800'000'000;

countdown_settings settings(int jitter = 10, bool reset = false)
{
    countdown_settings s;
    s.interval = 24h;
    s.max_interval = 7 * 24h;
    s.jitter_percent = jitter;
    s.backoff_min = 30s;
    s.coalesce_window = 2s;
    s.reset_on_urgent = reset;
    return s;
}

}  // namespace

TEST_CASE("a new appliance polls at once, then every interval with jitter inside +-10%")
{
    seeded_source random(1);
    countdown c(settings(), random);
    c.start(t0, std::nullopt);
    auto first = c.next(false);
    CHECK(first.at == t0);
    CHECK(first.reason == poll_reason::periodic);

    const std::int64_t day = 86400;
    std::int64_t lowest = INT64_MAX, highest = 0;
    std::int64_t now = t0;
    for (int i = 0; i < 2000; ++i) {
        c.on_success(now, poll_reason::periodic, std::nullopt);
        std::int64_t gap = c.next(false).at - now;
        lowest = std::min(lowest, gap);
        highest = std::max(highest, gap);
        now += gap;
    }
    INFO("lowest ", lowest, " highest ", highest);
    CHECK(lowest >= day - day / 10);
    CHECK(highest <= day + day / 10);
    // Both sides of the interval are used, so a fleet spreads out.
    CHECK(lowest < day - day / 20);
    CHECK(highest > day + day / 20);
}

TEST_CASE("without jitter the interval is exact")
{
    seeded_source random(1);
    countdown c(settings(0), random);
    c.start(t0, std::nullopt);
    c.on_success(t0, poll_reason::periodic, std::nullopt);
    CHECK(c.next(false).at == t0 + 86400);
}

TEST_CASE("after a restart the countdown continues from the last complete poll")
{
    seeded_source random(1);
    countdown c(settings(0), random);
    c.start(t0, t0 - 3600);
    CHECK(c.next(false).at == t0 - 3600 + 86400);

    countdown overdue(settings(0), random);
    overdue.start(t0, t0 - 3 * 86400);
    CHECK(overdue.next(false).at == t0);

    countdown future(settings(0), random);  // the clock went back
    future.start(t0, t0 + 10 * 86400);
    CHECK(future.next(false).at == t0 + 86400);
}

TEST_CASE("failures back off exponentially from backoff_min up to the interval")
{
    seeded_source random(1);
    countdown c(settings(0), random);
    c.start(t0, std::nullopt);
    const std::int64_t want[] = {30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 30720, 61440, 86400, 86400};
    std::int64_t now = t0;
    for (std::int64_t w : want) {
        c.on_failure(now, std::nullopt);
        auto due = c.next(false);
        INFO("failure ", c.failures(), ": got ", due.at - now, ", want ", w);
        CHECK(due.at - now == w);
        now = due.at;
    }
    c.on_success(now, poll_reason::periodic, std::nullopt);
    CHECK(c.failures() == 0);
    c.on_failure(now, std::nullopt);
    CHECK(c.not_before() - now == 30);  // the backoff starts over
}

TEST_CASE("backoff with jitter stays inside +-10% and never passes the interval")
{
    seeded_source random(7);
    countdown c(settings(), random);
    c.start(t0, std::nullopt);
    std::int64_t now = t0;
    for (int i = 1; i <= 60; ++i) {
        c.on_failure(now, std::nullopt);
        std::int64_t gap = c.not_before() - now;
        std::int64_t base = std::min<std::int64_t>(30ll << std::min(i - 1, 20), 86400);
        INFO("failure ", i, ": got ", gap, ", base ", base);
        CHECK(gap >= base - base / 10);
        CHECK(gap <= std::min<std::int64_t>(base + base / 10, 86400));
        now += gap;
    }
}

TEST_CASE("triggers within the coalescing window make one urgent poll")
{
    seeded_source random(1);
    countdown c(settings(0), random);
    c.start(t0, t0);
    c.on_trigger(t0 + 100);
    c.on_trigger(t0 + 101);
    c.on_trigger(t0 + 102);
    auto due = c.next(true);
    CHECK(due.reason == poll_reason::urgent);
    CHECK(due.at == t0 + 102);  // the window starts at the first trigger
    c.on_success(t0 + 102, poll_reason::urgent, std::nullopt);
    // Nothing else is due until the periodic poll.
    CHECK(c.next(false).reason == poll_reason::periodic);
    CHECK(c.next(false).at == t0 + 86400);
}

TEST_CASE("a periodic poll due inside the coalescing window serves the triggers and is urgent")
{
    seeded_source random(1);
    countdown c(settings(0), random);
    c.start(t0, std::nullopt);  // a new appliance: its first poll is due at once
    c.on_trigger(t0);           // and a trigger waited in the spool from before the start
    auto due = c.next(true);
    CHECK(due.at == t0);
    CHECK(due.reason == poll_reason::urgent);
    c.on_success(t0, poll_reason::urgent, std::nullopt);
    // It counted as the periodic poll too.
    CHECK(c.next(false).at == t0 + 86400);
    CHECK(c.next(false).reason == poll_reason::periodic);
}

TEST_CASE("reset_countdown_on_urgent false: an urgent poll leaves the periodic poll where it was")
{
    seeded_source random(1);
    countdown c(settings(0, false), random);
    c.start(t0, t0);
    c.on_trigger(t0 + 3600);
    c.on_success(t0 + 3602, poll_reason::urgent, std::nullopt);
    CHECK(c.next(false).at == t0 + 86400);
}

TEST_CASE("reset_countdown_on_urgent true: an urgent poll starts the countdown again")
{
    seeded_source random(1);
    countdown c(settings(0, true), random);
    c.start(t0, t0);
    c.on_trigger(t0 + 3600);
    c.on_success(t0 + 3602, poll_reason::urgent, std::nullopt);
    CHECK(c.next(false).at == t0 + 3602 + 86400);
}

TEST_CASE("an urgent poll made when the periodic one is due counts as both")
{
    seeded_source random(1);
    countdown c(settings(0, false), random);
    c.start(t0, t0 - 86400 + 100);  // periodic poll due at t0 + 100
    c.on_trigger(t0);
    c.on_failure(t0 + 2, std::nullopt);  // the urgent poll failed; retry at t0 + 32
    c.on_failure(t0 + 32, std::nullopt);  // and again; retry at t0 + 92
    c.on_failure(t0 + 92, std::nullopt);  // retry at t0 + 212, past the periodic time
    auto due = c.next(true);
    CHECK(due.at == t0 + 212);
    CHECK(due.reason == poll_reason::urgent);
    c.on_success(t0 + 212, poll_reason::urgent, std::nullopt);
    // No second poll right after: the periodic countdown starts again.
    CHECK(c.next(false).at == t0 + 212 + 86400);
}

TEST_CASE("Retry-After is honoured, capped at the interval, and holds urgent polls back too")
{
    seeded_source random(1);
    countdown c(settings(0), random);
    c.start(t0, t0);

    c.on_failure(t0, 600s);
    CHECK(c.not_before() == t0 + 600);
    c.on_trigger(t0 + 1);
    auto due = c.next(true);
    CHECK(due.reason == poll_reason::urgent);
    CHECK(due.at == t0 + 600);

    c.on_failure(t0 + 600, 10'000'000s);  // a server asking for months
    CHECK(c.not_before() == t0 + 600 + 86400);

    c.on_failure(t0, 1s);  // shorter than the backoff: the backoff wins
    CHECK(c.not_before() - t0 == 120);
}

TEST_CASE("the server's poll_interval only lengthens the interval, up to max_poll_interval")
{
    struct row {
        const char* label;
        std::optional<std::chrono::seconds> server;
        std::int64_t want;
    };
    const row rows[] = {
        {"no suggestion", std::nullopt, 86400},
        {"longer", 2 * 24h, 2 * 86400},
        {"shorter is ignored", 1h, 86400},
        {"far longer is capped", 365 * 24h, 7 * 86400},
    };
    for (const auto& r : rows) {
        seeded_source random(1);
        countdown c(settings(0), random);
        c.start(t0, std::nullopt);
        c.on_success(t0, poll_reason::periodic, r.server);
        INFO(std::string(r.label), ": got ", c.next(false).at - t0, ", want ", r.want);
        CHECK(c.next(false).at - t0 == r.want);
    }
}

TEST_CASE("uniform draws cover the whole range and nothing outside it")
{
    seeded_source random(3);
    int seen[7] = {};
    for (int i = 0; i < 7000; ++i) {
        auto v = random.uniform(-3, 3);
        REQUIRE(v >= -3);
        REQUIRE(v <= 3);
        ++seen[v + 3];
    }
    for (int n : seen)
        CHECK(n > 700);
}

TEST_CASE("triggers the updater could not remove do not make it poll again and again")
{
    seeded_source random(1);
    countdown c(settings(0), random);
    c.start(t0, t0);
    c.on_trigger(t0);
    c.on_success(t0 + 2, poll_reason::urgent, std::nullopt);
    // The trigger is still there (say, its removal failed): only the periodic poll is due.
    auto due = c.next(true);
    CHECK(due.reason == poll_reason::periodic);
    CHECK(due.at == t0 + 86400);
    // A new trigger does start an urgent poll.
    c.on_trigger(t0 + 100);
    CHECK(c.next(true).reason == poll_reason::urgent);
    CHECK(c.next(true).at == t0 + 102);
}

TEST_CASE("a clock that jumps back does not postpone polls for as long as it jumped")
{
    seeded_source random(1);
    countdown c(settings(0), random);
    c.start(t0, t0);
    c.on_failure(t0, 3600s);
    c.on_trigger(t0);
    std::int64_t back = t0 - 365 * 86400;  // a year back
    c.notice_time(back);
    CHECK(c.next(false).at == back + 86400);
    CHECK(c.not_before() <= back + 86400);
    CHECK(c.next(true).at <= back + 86400);
    // A clock that did not jump changes nothing.
    countdown steady(settings(0), random);
    steady.start(t0, t0);
    steady.notice_time(t0 + 5);
    CHECK(steady.next(false).at == t0 + 86400);
}

TEST_CASE("once the spool is empty again, the next trigger waits for a new window")
{
    seeded_source random(1);
    countdown c(settings(0), random);
    c.start(t0, t0);
    c.on_trigger(t0);
    c.on_triggers_gone();  // say, handled by a periodic poll that was due anyway
    c.on_trigger(t0 + 500);
    CHECK(c.next(true).at == t0 + 502);
}
