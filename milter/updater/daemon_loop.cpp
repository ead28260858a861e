// The daemon's wait (see header). The signal handler only touches an atomic
// flag and a non-blocking pipe; everything else happens in the loop.
#include "milter/updater/daemon_loop.hpp"

#include "lib/util/log.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace uun::updater {

namespace {

// A clock jump (NTP, suspend) is noticed within this long.
constexpr std::chrono::milliseconds longest_sleep{60'000};

std::atomic<bool> stop_requested{false};
std::atomic<bool> reload_requested{false};
int wake_pipe[2] = {-1, -1};

void on_stop_signal(int sig)
{
    int saved = errno;
    if (sig == SIGHUP)
        reload_requested.store(true);
    else
        stop_requested.store(true);
    if (wake_pipe[1] >= 0) {
        char c = 1;
        [[maybe_unused]] auto n = ::write(wake_pipe[1], &c, 1);
    }
    errno = saved;
}

}  // namespace

result<void> stop_signal::install()
{
    if (wake_pipe[0] < 0 && ::pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return fail(cat("cannot create the stop pipe: ", std::strerror(errno)));
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (::sigaction(SIGTERM, &sa, nullptr) != 0 || ::sigaction(SIGINT, &sa, nullptr) != 0 ||
        ::sigaction(SIGHUP, &sa, nullptr) != 0)
        return fail(cat("cannot install signal handlers: ", std::strerror(errno)));
    return {};
}

bool stop_signal::requested()
{
    return stop_requested.load();
}

int stop_signal::wake_fd()
{
    return wake_pipe[0];
}

void stop_signal::request()
{
    on_stop_signal(SIGTERM);
}

bool stop_signal::take_reload()
{
    return reload_requested.exchange(false);
}

bool stop_signal::reload_pending()
{
    return reload_requested.load();
}

daemon_loop::daemon_loop(updater_service& service, spool_watch& watch, const uun::clock& clock)
    : service_(service), watch_(watch), clock_(clock)
{
}

void daemon_loop::step(std::chrono::milliseconds max_wait)
{
    auto due = service_.next();
    std::int64_t now = clock_.now();
    if (due.at <= now) {
        service_.poll(due.reason);
        return;
    }
    auto until_due = std::chrono::milliseconds((due.at - now) * 1000);
    auto wait = std::min({max_wait, until_due, longest_sleep});
    struct pollfd fds[2] = {{watch_.fd(), POLLIN, 0}, {stop_signal::wake_fd(), POLLIN, 0}};
    int rc = ::poll(fds, 2, static_cast<int>(wait.count()));
    if (rc < 0 && errno != EINTR) {
        log::error(cat("poll: ", std::strerror(errno)));
        return;
    }
    if (rc > 0 && (fds[1].revents & POLLIN)) {
        char drained[64];
        while (::read(stop_signal::wake_fd(), drained, sizeof drained) > 0) {
        }
    }
    if (rc > 0 && (fds[0].revents & POLLIN) && watch_.drain())
        service_.rescan();
}

loop_end daemon_loop::run()
{
    while (!stop_signal::requested() && !stop_signal::reload_pending())
        step(longest_sleep);
    if (stop_signal::requested()) {
        log::info("stopping on request");
        return loop_end::stop;
    }
    return loop_end::reload;
}

}  // namespace uun::updater
